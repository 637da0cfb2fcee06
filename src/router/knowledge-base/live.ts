import { watch, type FSWatcher } from 'node:fs';
import { loadKnowledgeBase } from './load.ts';
import { createMatcher, type Matcher } from './matcher.ts';

interface Logger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The knowledge base as the router uses it: loaded at start (a broken one stops the start),
 * reloaded when a file changes; a broken edit keeps the previous version and is logged, so a
 * typo never silences the bot.
 */
export function createLiveKnowledgeBase(dir: string, logger: Logger) {
  let matcher: Matcher = createMatcher(loadKnowledgeBase(dir));
  let watcher: FSWatcher | undefined;
  let pending: NodeJS.Timeout | undefined;

  function reload(): boolean {
    try {
      matcher = createMatcher(loadKnowledgeBase(dir));
      logger.info({ entries: matcher.size }, 'knowledge base reloaded');
      return true;
    } catch (error) {
      logger.error({ err: error }, 'knowledge base not reloaded: the previous version stays in use');
      return false;
    }
  }

  return {
    /** The folder the entries are read from (and an admin's edits written to). */
    dir,
    get matcher() {
      return matcher;
    },
    reload,
    watch() {
      // Editors write a file in several steps: reload once things are quiet.
      watcher = watch(dir, () => {
        clearTimeout(pending);
        pending = setTimeout(reload, 200);
      });
      watcher.unref();
    },
    close() {
      clearTimeout(pending);
      watcher?.close();
    },
  };
}

export type LiveKnowledgeBase = ReturnType<typeof createLiveKnowledgeBase>;
