/**
 * What JSON.stringify makes of a server value: instants become ISO strings, the rest keeps its
 * shape. Server types pass through it to be compared with the wire types of this folder.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends (...args: never[]) => unknown
    ? never
    : T extends ReadonlyArray<infer U>
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;
