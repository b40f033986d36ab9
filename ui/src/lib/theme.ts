// Light/dark theme: follows prefers-color-scheme until the learner picks one, which is kept in
// localStorage.
export type Theme = "light" | "dark";
export type ThemeChoice = Theme | "system";

const KEY = "ckslab.theme";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function storedChoice(): ThemeChoice {
  const v = storage()?.getItem(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function systemTheme(): Theme {
  return typeof window.matchMedia === "function" &&
    window.matchMedia("(prefers-color-scheme: dark)").matches
    ? "dark"
    : "light";
}

export function effectiveTheme(choice: ThemeChoice = storedChoice()): Theme {
  return choice === "system" ? systemTheme() : choice;
}

/** Apply and remember a choice; returns the theme now shown. */
export function setTheme(choice: ThemeChoice): Theme {
  const s = storage();
  if (choice === "system") s?.removeItem(KEY);
  else s?.setItem(KEY, choice);
  const theme = effectiveTheme(choice);
  document.documentElement.dataset.theme = theme;
  return theme;
}

export function applyStoredTheme(): Theme {
  return setTheme(storedChoice());
}
