// The formats the compiled validators call (ajv-formats' full ones), and where ajv-formats
// reads one otherwise than the Rust side, the Rust side's reading, so that a
// JavaScript producer never sends what a Rust consumer refuses: a date-time has a `T` between
// date and time (RFC 3339's grammar; ajv-formats also takes a space).
const { fullFormats } = require("ajv-formats/dist/formats");

const dateTime = fullFormats["date-time"];

module.exports = {
  ...fullFormats,
  "date-time": {
    type: "string",
    validate: (text) => /^\d{4}-\d\d-\d\d[Tt]/.test(text) && dateTime.validate(text),
    compare: dateTime.compare,
  },
};
