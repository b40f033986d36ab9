import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { chooseTheme, themeState } from "./lib/themeState.svelte";

chooseTheme(themeState.choice);

// Follow the system theme while the learner has not picked one.
window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => {
  if (themeState.choice === "system") chooseTheme("system");
});

const target = document.getElementById("app");
if (!target) throw new Error("#app is missing from index.html");

export default mount(App, { target });
