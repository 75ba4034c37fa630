namespace ObjectOS.Storage.Redis;

/// <summary>
/// The Lua scripts that keep a data key and its scope index in step. Each runs atomically on the node that owns
/// the keys it touches; an index member is the physical key, the data key is the key prefix plus the member.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// The shebang that lets a script touch keys of several slots owned by the node it runs on (Redis 7+ cluster).
    /// Used only for the per-node scripts of the per-slot index layout.
    /// </summary>
    public const string CrossSlotShebang = "#!lua flags=allow-cross-slot-keys\n";

    /// <summary>
    /// SET the value without expiry (which clears an earlier TTL) and add the member to the scope index.
    /// KEYS: data key, index key. ARGV: value, member. Returns 1 if the index key was created by this write.
    /// </summary>
    public const string Set = """
        local created = redis.call('EXISTS', KEYS[2])
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], 0, ARGV[2])
        return 1 - created
        """;

    /// <summary>
    /// <see cref="Set"/> for the single-index layout, where nothing needs to know whether the index was created: one
    /// command less on the hottest write. KEYS: data key, index key. ARGV: value, member.
    /// </summary>
    public const string SetUnslotted = """
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], 0, ARGV[2])
        return 0
        """;

    /// <summary><see cref="SetWithExpiry"/> for the single-index layout (no index-creation report). Same KEYS and ARGV.</summary>
    public const string SetWithExpiryUnslotted = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], 0, ARGV[3])
        local sample = redis.call('ZRANDMEMBER', KEYS[2], 2)
        for i = 1, #sample do
          local m = sample[i]
          if m ~= ARGV[3] and redis.call('EXISTS', ARGV[4] .. m) == 0 then
            redis.call('ZREM', KEYS[2], m)
          end
        end
        return 0
        """;

    /// <summary>
    /// SET the value with PX expiry and add the member to the scope index, then look at two random members of the
    /// index and drop those whose key is gone. Only expiring writes create dead index entries (once their key
    /// expires), so making each of them check two entries keeps an index that is never listed at most about twice
    /// its live size, without a background sweep. KEYS: data key, index key. ARGV: value, expiry ms, member, key prefix.
    /// Returns 1 if the index key was created by this write.
    /// </summary>
    public const string SetWithExpiry = """
        local created = redis.call('EXISTS', KEYS[2])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], 0, ARGV[3])
        local sample = redis.call('ZRANDMEMBER', KEYS[2], 2)
        for i = 1, #sample do
          local m = sample[i]
          if m ~= ARGV[3] and redis.call('EXISTS', ARGV[4] .. m) == 0 then
            redis.call('ZREM', KEYS[2], m)
          end
        end
        return 1 - created
        """;

    /// <summary>UNLINK the data key and drop its index member. KEYS: data key, index key. ARGV: member. Returns 1 if a live key was removed.</summary>
    public const string Delete = """
        local n = redis.call('UNLINK', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return n
        """;

    /// <summary>The remaining time to live in ms (-2 missing, -1 no expiry). KEYS: data key.</summary>
    public const string TimeToLive = "return redis.call('PTTL', KEYS[1])";

    /// <summary>
    /// Reads (or deletes) one page of index members in a lexicographic range, over one or more index keys
    /// (<c>head .. tag .. tail</c> for each tag). In list mode, members whose key no longer exists are dropped from
    /// the index and not returned; in delete mode every member in the range is unlinked and dropped.
    /// ARGV: 1 key prefix, 2 index head, 3 index tail, 4 min for the first index, 5 min for the others, 6 max,
    /// 7 page size, 8 mode ('0' list, '1' delete), 9.. tags.
    /// Returns { resume tag position (1-based, 0 when done), resume min, pruned or removed count, members... }.
    /// </summary>
    public const string Range = """
        local kp, head, tail = ARGV[1], ARGV[2], ARGV[3]
        local min, max = ARGV[4], ARGV[6]
        local budget = tonumber(ARGV[7])
        local delete = ARGV[8] == '1'
        local out = {0, '', 0}
        local count = 0
        for i = 9, #ARGV do
          local idx = head .. ARGV[i] .. tail
          local page = redis.call('ZRANGEBYLEX', idx, min, max, 'LIMIT', 0, budget)
          for j = 1, #page do
            local m = page[j]
            local k = kp .. m
            if delete then
              count = count + redis.call('UNLINK', k)
              redis.call('ZREM', idx, m)
            elseif redis.call('EXISTS', k) == 1 then
              out[#out + 1] = m
            else
              redis.call('ZREM', idx, m)
              count = count + 1
            end
          end
          budget = budget - #page
          if budget <= 0 then
            out[1] = i - 8
            out[2] = '(' .. page[#page]
            out[3] = count
            return out
          end
          min = ARGV[5]
        end
        out[3] = count
        return out
        """;

    /// <summary>
    /// UNLINK a batch of data keys and drop their index members. ARGV: key prefix, then pairs of member and index
    /// key ('' for a key without index). Returns how many live keys were removed.
    /// </summary>
    public const string DeleteMany = """
        local kp = ARGV[1]
        local n = 0
        for i = 2, #ARGV, 2 do
          n = n + redis.call('UNLINK', kp .. ARGV[i])
          if ARGV[i + 1] ~= '' then
            redis.call('ZREM', ARGV[i + 1], ARGV[i])
          end
        end
        return n
        """;

    /// <summary>
    /// Adds existing data keys to their index. ARGV: key prefix, then pairs of member and index key.
    /// Returns how many members were new to their index.
    /// </summary>
    public const string Reindex = """
        local kp = ARGV[1]
        local n = 0
        for i = 2, #ARGV, 2 do
          if redis.call('EXISTS', kp .. ARGV[i]) == 1 then
            n = n + redis.call('ZADD', ARGV[i + 1], 0, ARGV[i])
          end
        end
        return n
        """;
}
