using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ObjectOS.Storage;

/// <summary>
/// An in-process backend for development and tests: values are immutable UTF-8 JSON snapshots, entries are kept
/// per scope so that reading, listing or clearing one plugin touches only that plugin's table (a scoped clear swaps
/// the table atomically), and a background sweeper purges expired entries without keeping the process alive.
/// </summary>
public sealed class MemoryStorageBackend : IStorageBackend
{
    private const int LockStripes = 64;

    // Scope name: the physical key's text up to and including its first ':' ("pluginId:"), or "" for keys without one.
    private readonly ConcurrentDictionary<string, Scope> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Scope>.AlternateLookup<ReadOnlySpan<char>> _scopeLookup;
    private readonly Lock[] _stripes = new Lock[LockStripes];
    private readonly Lock _timerGate = new();
    private readonly TimeProvider _time;
    private Scope? _lastScope;
    private ITimer? _sweeper;
    private int _count;
    private bool _disposed;

    /// <summary>Creates a memory backend with default options.</summary>
    public MemoryStorageBackend() : this(new MemoryStorageOptions()) { }

    /// <summary>Creates a memory backend with <paramref name="options"/>.</summary>
    public MemoryStorageBackend(MemoryStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = options.TimeProvider;
        _scopeLookup = _scopes.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    /// <summary>The options the backend was created with.</summary>
    public MemoryStorageOptions Options { get; }

    /// <inheritdoc />
    public string Name => "memory";

    /// <summary>The number of entries held, including expired ones not yet purged.</summary>
    public int Count => Volatile.Read(ref _count);

    private sealed class Entry(byte[] value, long expiresAtTicks)
    {
        public readonly byte[] Value = value;

        // UTC ticks; 0 means no expiry.
        public readonly long ExpiresAtTicks = expiresAtTicks;

        public bool IsExpired(long nowTicks) => ExpiresAtTicks != 0 && ExpiresAtTicks <= nowTicks;
    }

    /// <summary>One scope's entries, keyed by the key relative to the scope.</summary>
    private sealed class Table
    {
        public readonly ConcurrentDictionary<string, Entry> Entries = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> Lookup;

        public Table() => Lookup = Entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A stable holder of a scope's current table; a clear swaps the table while holding every stripe lock.</summary>
    private sealed class Scope(string name)
    {
        public readonly string Name = name;
        public volatile Table Table = new();
    }

    // Reads the clock only for an entry that can expire: the clock costs more than the lookup itself.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsLive([NotNullWhen(true)] Entry? entry)
        => entry is not null && (entry.ExpiresAtTicks == 0 || entry.ExpiresAtTicks > NowTicks);

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        lock (_timerGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _sweeper ??= _time.CreateTimer(static state => ((MemoryStorageBackend)state!).SweepExpired(), this,
                Options.TtlCheckInterval, Options.TtlCheckInterval);
        }

        return ValueTask.CompletedTask;
    }

    private long NowTicks => _time.GetUtcNow().UtcTicks;

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var entry = Find(key);
        // Careful: a null byte[] would convert to an empty ReadOnlyMemory, not to a missing value.
        return IsLive(entry)
            ? new ValueTask<ReadOnlyMemory<byte>?>(new ReadOnlyMemory<byte>(entry.Value))
            : new ValueTask<ReadOnlyMemory<byte>?>((ReadOnlyMemory<byte>?)null);
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(PhysicalKey key, CancellationToken cancellationToken)
        => new(IsLive(Find(key)));

    /// <inheritdoc />
    public ValueTask<TimeSpan?> GetTimeToLiveAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var entry = Find(key);
        var now = NowTicks;
        TimeSpan? result = entry is null || entry.IsExpired(now) ? null
            : entry.ExpiresAtTicks == 0 ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromTicks(entry.ExpiresAtTicks - now);
        return new ValueTask<TimeSpan?>(result);
    }

    // A scoped key from the core arrives split at its scope already ("pluginId:" holds exactly one ':', at its end);
    // anything else is split at its first ':' here, so both spellings of a key find the same entry.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSplitAtScope(PhysicalKey key)
        => key.ScopePrefix.Length > 0 && key.ScopePrefix.AsSpan().IndexOf(StorageValidation.ScopeSeparator) == key.ScopePrefix.Length - 1;

    private static int ScopeLength(ReadOnlySpan<char> fullKey)
    {
        var colon = fullKey.IndexOf(StorageValidation.ScopeSeparator);
        return colon + 1; // 0 for keys without a ':' (the root bucket "")
    }

    private Entry? Find(PhysicalKey key)
    {
        if (IsSplitAtScope(key))
        {
            var scope = FindScope(key.ScopePrefix);
            return scope is not null && scope.Table.Entries.TryGetValue(key.Key, out var found) ? found : null;
        }

        var full = key.ScopePrefix.Length == 0 ? key.Key : key.ToString();
        var split = ScopeLength(full);
        var rootScope = FindScope(full.AsSpan(0, split));
        return rootScope is not null && rootScope.Table.Lookup.TryGetValue(full.AsSpan(split), out var entry) ? entry : null;
    }

    // Repeated operations on one scope hit a one-entry cache before the scope dictionary.
    private Scope? FindScope(ReadOnlySpan<char> name)
    {
        var last = Volatile.Read(ref _lastScope);
        if (last is not null && name.SequenceEqual(last.Name))
        {
            return last;
        }

        if (_scopeLookup.TryGetValue(name, out var scope))
        {
            Volatile.Write(ref _lastScope, scope);
        }

        return scope;
    }

    private (Scope Scope, string RelativeKey) ResolveForWrite(PhysicalKey key)
    {
        if (IsSplitAtScope(key))
        {
            return (FindScope(key.ScopePrefix) ?? _scopes.GetOrAdd(key.ScopePrefix, static name => new Scope(name)), key.Key);
        }

        var full = key.ScopePrefix.Length == 0 ? key.Key : key.ToString();
        var split = ScopeLength(full);
        var scope = FindScope(full.AsSpan(0, split)) ?? _scopes.GetOrAdd(full[..split], static name => new Scope(name));
        return (scope, split == 0 ? full : full[split..]);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = new Entry(value, timeToLive is { } ttl ? NowTicks + (StorageValidation.ToExpiryMilliseconds(ttl) * TimeSpan.TicksPerMillisecond) : 0);
        var (scope, relativeKey) = ResolveForWrite(key);
        var stripe = StripeOf(relativeKey);
        var reserved = false;

        while (true)
        {
            lock (stripe)
            {
                // Read the table under the stripe lock: a clear swaps it only while holding every stripe.
                var entries = scope.Table.Entries;
                if (entries.ContainsKey(relativeKey))
                {
                    if (reserved)
                    {
                        Interlocked.Decrement(ref _count);
                    }

                    entries[relativeKey] = entry;
                    return ValueTask.CompletedTask;
                }

                if (reserved)
                {
                    entries[relativeKey] = entry;
                    return ValueTask.CompletedTask;
                }
            }

            // A new key: reserve a slot outside the stripe lock (purging takes other stripes), then insert.
            if (!TryReserveSlot())
            {
                if (scope.Table.Entries.ContainsKey(relativeKey))
                {
                    continue; // became an overwrite meanwhile: allowed
                }

                throw new StorageQuotaExceededException(Options.MaxKeys);
            }

            reserved = true;
        }
    }

    // Every failed increment is undone, so concurrent writers racing for the last slots never leak capacity.
    private bool TryReserveSlot()
    {
        if (Interlocked.Increment(ref _count) <= Options.MaxKeys)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        SweepExpired();
        if (Interlocked.Increment(ref _count) <= Options.MaxKeys)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var (scope, relativeKey) = ResolveForWrite(key);
        lock (StripeOf(relativeKey))
        {
            if (!scope.Table.Entries.TryRemove(relativeKey, out var removed))
            {
                return new ValueTask<bool>(false);
            }

            Interlocked.Decrement(ref _count);
            return new ValueTask<bool>(IsLive(removed));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListKeysAsync(KeyQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = NowTicks;
        foreach (var scope in CandidateScopes(query.Prefix))
        {
            var relativePrefix = RelativePrefix(scope, query.Prefix);
            foreach (var (relativeKey, entry) in scope.Table.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (relativeKey.StartsWith(relativePrefix, StringComparison.Ordinal) && !entry.IsExpired(now))
                {
                    yield return scope.Name.Length == 0 ? relativeKey : string.Concat(scope.Name, relativeKey);
                }
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new ValueTask<long>(query.IsPrefixOnly && IsWholeScopes(query.Prefix) ? SwapTables(query.Prefix) : DeleteMatching(query));
    }

    // A clear of whole scopes (one plugin, or everything) swaps their tables while no writer can run, so a
    // concurrent reader sees a scope either entirely before or entirely after the clear.
    private static bool IsWholeScopes(string prefix)
        => prefix.Length == 0 || prefix.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal) == prefix.Length - 1;

    private long SwapTables(string prefix)
    {
        var now = NowTicks;
        long live = 0;
        var scopes = prefix.Length == 0 ? [.. _scopes.Values] : _scopes.TryGetValue(prefix, out var one) ? [one] : Array.Empty<Scope>();
        LockAllStripes();
        try
        {
            foreach (var scope in scopes)
            {
                var old = scope.Table;
                scope.Table = new Table();
                foreach (var (_, entry) in old.Entries)
                {
                    live += entry.IsExpired(now) ? 0 : 1;
                }

                Interlocked.Add(ref _count, -old.Entries.Count);
            }
        }
        finally
        {
            UnlockAllStripes();
        }

        return live;
    }

    private long DeleteMatching(KeyQuery query)
    {
        var now = NowTicks;
        long removed = 0;
        foreach (var scope in CandidateScopes(query.Prefix))
        {
            var relativePrefix = RelativePrefix(scope, query.Prefix);
            foreach (var (relativeKey, _) in scope.Table.Entries)
            {
                if (!relativeKey.StartsWith(relativePrefix, StringComparison.Ordinal)
                    || !query.Matches(scope.Name.Length == 0 ? relativeKey : string.Concat(scope.Name, relativeKey)))
                {
                    continue;
                }

                lock (StripeOf(relativeKey))
                {
                    if (scope.Table.Entries.TryRemove(relativeKey, out var entry))
                    {
                        Interlocked.Decrement(ref _count);
                        removed += entry.IsExpired(now) ? 0 : 1;
                    }
                }
            }
        }

        return removed;
    }

    /// <inheritdoc />
    public ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["keys"] = Count, ["maxKeys"] = Options.MaxKeys };
        return new ValueTask<StorageHealth>(new StorageHealth(true, $"memory store holds {Count} of at most {Options.MaxKeys} keys", data));
    }

    /// <summary>Purges every expired entry now; returns how many were removed. The sweeper timer calls it periodically.</summary>
    public int SweepExpired()
    {
        var now = NowTicks;
        var removed = 0;
        foreach (var scope in _scopes.Values)
        {
            var table = scope.Table;
            foreach (var pair in table.Entries)
            {
                if (!pair.Value.IsExpired(now))
                {
                    continue;
                }

                lock (StripeOf(pair.Key))
                {
                    // Remove only the very entry seen expired, from a table not swapped out by a clear meanwhile:
                    // a key set again since then is a new entry and stays.
                    if (ReferenceEquals(scope.Table, table) && table.Entries.TryRemove(pair))
                    {
                        Interlocked.Decrement(ref _count);
                        removed++;
                    }
                }
            }
        }

        return removed;
    }

    // The scopes whose keys can start with the physical prefix.
    private IEnumerable<Scope> CandidateScopes(string prefix)
    {
        var split = ScopeLength(prefix);
        if (split > 0)
        {
            if (_scopes.TryGetValue(prefix[..split], out var only))
            {
                yield return only;
            }

            yield break;
        }

        foreach (var (name, scope) in _scopes)
        {
            if (name.Length == 0 || name.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return scope;
            }
        }
    }

    // The part of a physical prefix that the keys relative to the scope must start with.
    private static string RelativePrefix(Scope scope, string prefix)
        => prefix.Length > scope.Name.Length ? prefix[scope.Name.Length..] : string.Empty;

    private Lock StripeOf(string relativeKey) => _stripes[string.GetHashCode(relativeKey, StringComparison.Ordinal) & (LockStripes - 1)];

    private void LockAllStripes()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Enter();
        }
    }

    private void UnlockAllStripes()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Exit();
        }
    }

    /// <summary>Stops the sweeper and drops every entry.</summary>
    public async ValueTask DisposeAsync()
    {
        ITimer? sweeper;
        lock (_timerGate)
        {
            _disposed = true;
            sweeper = _sweeper;
            _sweeper = null;
        }

        if (sweeper is not null)
        {
            await sweeper.DisposeAsync().ConfigureAwait(false);
        }

        _scopes.Clear();
        Volatile.Write(ref _lastScope, null);
        Volatile.Write(ref _count, 0);
    }
}
