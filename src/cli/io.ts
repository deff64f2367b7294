/** Where the CLI writes; injectable so commands run in-process in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

// A closed pipe (`2>&1 | head`, journald restarting) must not crash the wrapper mid-run: Node
// reports EPIPE as an 'error' event, which without a listener throws. The words are lost, the
// decision log keeps them, and supervision goes on.
const ignore = (): void => {};
let guarded = false;
function write(stream: NodeJS.WriteStream, text: string): void {
  if (!guarded) {
    guarded = true;
    process.stdout.on('error', ignore);
    process.stderr.on('error', ignore);
  }
  try {
    stream.write(text);
  } catch {
    // Same: a write to a broken stream is dropped.
  }
}

export const processIo: CliIo = {
  stdout: (text) => write(process.stdout, text),
  stderr: (text) => write(process.stderr, text),
  // A getter: process.stdout is created on first use, and a run that prints nothing never needs it.
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
};
