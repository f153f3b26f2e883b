/**
 * A copy-to-clipboard button, shared by the pages that draft text for someone to paste elsewhere:
 * the investigation's customer replies, the market page's dispute reply, the incident's status update.
 */
import {el} from "./status.js";

/** Says "Copied" for this long after a click, then its label again. */
const CONFIRMATION_MS = 1500;

/** A button that copies `text` to the clipboard. */
export function copyButton(text: string, label = "Copy"): HTMLButtonElement {
  const button = el("button", {type: "button", class: "copy"}, label);
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = label), CONFIRMATION_MS);
  });
  return button;
}
