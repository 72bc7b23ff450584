/** The identity of every platform commit (SPEC §8.1 "Repo rules"). */
export const PLATFORM_AUTHOR = { name: "Local PaaS Bot", email: "paas-local@example.invalid" } as const;

/** Result of a platform commit. */
export interface CommitResult {
  /** Whether a new commit was made. */
  committed: boolean;
  /** HEAD after the call ('' when the repo still has no commits). */
  head: string;
}
