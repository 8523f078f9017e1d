import { Route, Switch } from 'wouter';
import { PageHeader } from '../../lib/ui/index.ts';
import { SubNav } from '../analytics/SubNav.tsx';
import { ContactList } from './ContactList.tsx';
import { ImportContacts } from './ImportContacts.tsx';
import { SegmentBuilder } from './SegmentBuilder.tsx';
import '../analytics/pages.css';

/** Contacts: the table (/contacts), segments (/contacts/segments) and CSV import (/contacts/import). */
export function ContactsPage() {
  return (
    <div className="d2-page">
      <PageHeader title="Contacts" />
      <SubNav
        label="Contacts sections"
        items={[
          { href: '/contacts', label: 'All contacts', exact: true },
          { href: '/contacts/segments', label: 'Segments' },
          { href: '/contacts/import', label: 'Import CSV' },
        ]}
      />
      <Switch>
        <Route path="/contacts/segments" component={SegmentBuilder} />
        <Route path="/contacts/import" component={ImportContacts} />
        <Route component={ContactList} />
      </Switch>
    </div>
  );
}

export default ContactsPage;
