// Links inside sanitized lesson/task HTML: ckslab:// links navigate inside the app; web links
// open in the system browser through `openExternal` (the app's webview never navigates away).
import { ckslabLinkToHash, navigate } from "./router";
import { isExternalUrl, openExternal } from "./ipc";

/**
 * Open an http(s) link in the system browser instead of the webview. Returns true when it
 * handled the link. Failures are logged: a doc link that does not open is not worth a banner.
 */
export function openInBrowser(link: string): boolean {
  if (!isExternalUrl(link)) return false;
  openExternal(link).catch((e: unknown) => console.warn("could not open", link, e));
  return true;
}

/** Click handler for an anchor with an external href: `onclick={externalClick}`. */
export function externalClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement | null;
  const link = a?.getAttribute("href") ?? "";
  if (isExternalUrl(link)) {
    e.preventDefault();
    openInBrowser(link);
  }
}

/** Give every external anchor target=_blank and rel=noopener noreferrer. */
export function hardenLinks(root: HTMLElement): void {
  for (const a of root.querySelectorAll<HTMLAnchorElement>("a[href]")) {
    const link = a.getAttribute("href") ?? "";
    if (/^https?:\/\//i.test(link)) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
  }
}

/** An attachment (`{@attach}`) for a container of sanitized HTML. */
export function appLinks(root: HTMLElement): () => void {
  hardenLinks(root);
  const observer = new MutationObserver(() => hardenLinks(root));
  observer.observe(root, { childList: true, subtree: true });
  const onClick = (e: MouseEvent) => {
    const a = (e.target as Element | null)?.closest?.("a[href]");
    if (!a || !root.contains(a)) return;
    const link = a.getAttribute("href") ?? "";
    if (isExternalUrl(link)) {
      e.preventDefault();
      openInBrowser(link);
      return;
    }
    if (!link.toLowerCase().startsWith("ckslab:")) return;
    e.preventDefault();
    const hash = ckslabLinkToHash(link);
    if (hash) navigate(hash);
  };
  root.addEventListener("click", onClick);
  return () => {
    observer.disconnect();
    root.removeEventListener("click", onClick);
  };
}

/** An attachment for a growing log: keep it scrolled to the newest line (re-runs on `deps`). */
export function followTail(deps: () => unknown): (el: HTMLElement) => void {
  return (el) => {
    deps();
    el.scrollTop = el.scrollHeight;
  };
}
