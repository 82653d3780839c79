import { makeTempDir } from "@omnikv/testkit";

/** Runs `body` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = makeTempDir("security");
  try {
    return await body(dir.path);
  } finally {
    dir.cleanup();
  }
}
