/** Shared UI primitives of the dashboard; pages import from here. */
export { Button, type ButtonProps } from './Button.tsx';
export { TextField, TextAreaField, SelectField, FormError } from './Field.tsx';
export { Table, type Column } from './Table.tsx';
export { Dialog } from './Dialog.tsx';
export { ToastProvider, useToast } from './Toast.tsx';
export { Chart, PALETTE, type Series } from './Chart.tsx';
export { Spinner, EmptyState, ErrorBlock, Badge, PageHeader, ProgressBar } from './misc.tsx';
