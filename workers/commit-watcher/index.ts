export { CommitWatcher, readHead } from "./commit-watcher.js";
export type { CommitOutcome, CommitWatcherOptions, SeenCommit } from "./commit-watcher.js";
