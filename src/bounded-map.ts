/**
 * A Map that holds at most `max` entries: adding one more forgets the
 * oldest (insertion order). Every process-wide cache keyed by what mail or
 * rc files bring (charset labels, domains, included rcfiles, list files,
 * paths) is one, so no stream of new keys can grow memory without bound.
 * Re-setting a key keeps its place: a cache wanting LRU order deletes it
 * first.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
