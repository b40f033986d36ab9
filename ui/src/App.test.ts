import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";
import { mockBackend } from "./test/backend";

async function go(hash: string) {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

describe("App shell", () => {
  it("routes by hash and marks the current nav item", async () => {
    mockBackend();
    render(App);
    expect(await screen.findByTestId("readiness-chart")).toBeInTheDocument();
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("aria-current", "page");

    await go("#/curriculum");
    expect(await screen.findByTestId("curriculum-filter")).toBeInTheDocument();
    expect(screen.getByTestId("nav-curriculum")).toHaveAttribute("aria-current", "page");

    await go("#/lab/netpol-and-or-selectors");
    expect(await screen.findByTestId("lab-task")).toBeInTheDocument();

    await go("#/settings");
    expect(await screen.findByTestId("doctor-tools")).toHaveTextContent("kubectl");
    expect(screen.getByTestId("app-info")).toHaveTextContent("/home/learner/.local/share/ckslab");

    await go("#/author");
    expect(await screen.findByTestId("author-path")).toBeInTheDocument();
    expect(screen.getByTestId("nav-author")).toHaveAttribute("aria-current", "page");

    await go("#/playground");
    expect(await screen.findByTestId("play-evaluate")).toBeInTheDocument();
    expect(screen.getByTestId("nav-playground")).toHaveAttribute("aria-current", "page");

    await go("#/exam");
    expect(await screen.findByTestId("exam-start")).toBeInTheDocument();
    expect(screen.getByTestId("nav-exam")).toHaveAttribute("aria-current", "page");

    await go("#/exam/3/report");
    expect(await screen.findByTestId("exam-report-percent")).toHaveTextContent("43%");
    expect(screen.getByTestId("nav-exam")).toHaveAttribute("aria-current", "page");

    await go("#/nowhere");
    expect(await screen.findByText("Page not found")).toBeInTheDocument();
  });

  it("navigates with g-prefixed shortcuts", async () => {
    mockBackend();
    render(App);
    await screen.findByTestId("readiness-chart");
    await fireEvent.keyDown(window, { key: "g" });
    await fireEvent.keyDown(window, { key: "s" });
    expect(window.location.hash).toBe("#/settings");
  });

  it("toggles and remembers the theme", async () => {
    mockBackend();
    render(App);
    const toggle = screen.getByTestId("theme-toggle");
    const before = document.documentElement.dataset.theme;
    await fireEvent.click(toggle);
    const after = document.documentElement.dataset.theme;
    expect(after).not.toBe(before);
    expect(window.localStorage.getItem("ckslab.theme")).toBe(after);
  });
});
