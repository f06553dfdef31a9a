// "Download CSV" for a chart or table: the rows the page already holds (the
// published aggregates: no patient row ever reaches a page), written as CSV
// in the browser into a Blob and saved under a file name of the chart's own.
//
// Text that a spreadsheet would run as a formula (starting with = + - @, a
// tab or a carriage return) is written quoted behind a single quote, as
// `refloop sql --format csv` does; numbers are written as they are.

/**
 * @param {Record<string, unknown>[]} rows
 * @param {string[]} [columns] the columns, in order (default: every key of the rows, in first-seen order)
 * @returns {string}
 */
export function toCsv(rows, columns) {
  const names = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value) => {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    const guarded = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return guarded !== text || /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
  };
  return [names.map(cell), ...rows.map((row) => names.map((name) => cell(row[name])))].map((line) => `${line.join(",")}\r\n`).join("");
}

/** A file name from words: lower case, letters, digits and dashes. */
export const fileName = (...parts) =>
  `${parts.filter(Boolean).join("-").toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}.csv`;

/**
 * A button that saves `rows` as `name` (a .csv file name; see fileName()).
 * @param {Record<string, unknown>[]} rows
 * @param {string} name
 * @param {{columns?: string[], label?: string}} [options]
 * @returns {HTMLElement}
 */
export function downloadButton(rows, name, options = {}) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "refloop-download";
  button.dataset.download = name;
  button.textContent = options.label ?? "Download CSV";
  button.title = `Save these numbers as ${name}`;
  button.addEventListener("click", () => {
    const blob = new Blob([toCsv(rows, options.columns)], {type: "text/csv;charset=utf-8"});
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  const holder = document.createElement("div");
  holder.className = "refloop-download-row";
  holder.append(button);
  return holder;
}
