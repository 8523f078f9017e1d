import { Link, useLocation } from 'wouter';

/**
 * The sections of a page (Contacts: list, segments, import; Settings: numbers, keys, …) as a row
 * of links; the current one carries aria-current="page". Links rather than ARIA tabs, so each
 * section has its own address and the browser's back button works.
 */
export function SubNav({ label, items }: { label: string; items: readonly { href: string; label: string; exact?: boolean }[] }) {
  const [location] = useLocation();
  return (
    <nav className="subnav" aria-label={label}>
      <ul>
        {items.map((it) => {
          const current = it.exact ? location === it.href : location === it.href || location.startsWith(`${it.href}/`);
          return (
            <li key={it.href}>
              <Link href={it.href} className={current ? 'subnav-link current' : 'subnav-link'} aria-current={current ? 'page' : undefined}>
                {it.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
