// The theme shared by the nav toggle and Settings.
import { effectiveTheme, setTheme, storedChoice, type Theme, type ThemeChoice } from "./theme";

export const themeState = $state<{ choice: ThemeChoice; theme: Theme }>({
  choice: storedChoice(),
  theme: effectiveTheme(),
});

export function chooseTheme(choice: ThemeChoice): void {
  themeState.choice = choice;
  themeState.theme = setTheme(choice);
}

export function toggleTheme(): void {
  chooseTheme(themeState.theme === "dark" ? "light" : "dark");
}
