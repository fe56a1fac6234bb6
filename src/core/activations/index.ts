// The on-disk activation cache: build/open, shard format, cache keys.
export * from './activationCache';
export * from './cacheKey';
export * from './float16';
export * from './shardFiles';
export * from './shardFormat';
export * from './cacheIntegrity';
