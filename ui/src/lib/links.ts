// Links inside sanitized lesson/task HTML: ckslab:// links navigate inside the app; web links
// open in a new window (never in the app's own webview) with no opener.
import { ckslabLinkToHash, navigate } from "./router";

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
