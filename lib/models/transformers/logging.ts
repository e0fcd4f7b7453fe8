// transformers.logging, reduced to what from_pretrained reports: warnings about
// weights that were not used or newly initialised. Hugging Face logs them at
// WARNING level; set_verbosity_error() silences them as it does in Python.
export type Verbosity = 'info' | 'warning' | 'error';

let verbosity: Verbosity = 'warning';

export function set_verbosity_info(): void {
  verbosity = 'info';
}
export function set_verbosity_warning(): void {
  verbosity = 'warning';
}
export function set_verbosity_error(): void {
  verbosity = 'error';
}
export function get_verbosity(): Verbosity {
  return verbosity;
}

/** Prints a warning unless the verbosity is 'error'. */
export function warning(message: string): void {
  if (verbosity !== 'error') process.emitWarning(message, 'TransformersWarning');
}

/** Prints an informational message only at verbosity 'info'. */
export function info(message: string): void {
  if (verbosity === 'info') console.info(message);
}
