/** "‹ Somewhere": the way back up, with the arrow kept out of what screen readers say. */
export function BackLink({ href, children }: { href: string; children: string }) {
  return (
    <a className="back" href={href}>
      <span aria-hidden="true">‹&nbsp;</span>
      {children}
    </a>
  );
}
