/**
 * Arrow keys, Home and End among a group's items (tabs, menu items), as the WAI-ARIA patterns
 * say: the group is one Tab stop, arrows move within it. Returns the item moved to, if any.
 */
export function moveFocus(
  event: KeyboardEvent,
  items: HTMLElement[],
  orientation: 'horizontal' | 'vertical',
): HTMLElement | undefined {
  const [prev, next] = orientation === 'horizontal' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
  const current = items.indexOf(document.activeElement as HTMLElement);
  let target: number;
  if (event.key === next) target = (current + 1) % items.length;
  else if (event.key === prev) target = (current - 1 + items.length) % items.length;
  else if (event.key === 'Home') target = 0;
  else if (event.key === 'End') target = items.length - 1;
  else return undefined;
  event.preventDefault();
  items[target]?.focus();
  return items[target];
}
