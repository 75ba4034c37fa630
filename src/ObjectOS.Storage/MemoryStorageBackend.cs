using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ObjectOS.Storage;

/// <summary>
/// An in-process backend for development and tests: values are immutable UTF-8 JSON snapshots, keys are
/// indexed per scope so that listing or clearing one plugin costs only that plugin's keys, and a background
/// sweeper purges expired entries without keeping the process alive.
/// </summary>
public sealed class MemoryStorageBackend : IStorageBackend
{
    private const int StackKeyLimit = 256;
    private const int LockStripes = 64;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>>.AlternateLookup<ReadOnlySpan<char>> _scopeLookup;
    private readonly Lock[] _stripes = new Lock[LockStripes];
    private readonly Lock _timerGate = new();
    private readonly TimeProvider _time;
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
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
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
    {
        return new ValueTask<bool>(IsLive(Find(key)));
    }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Entry? Find(PhysicalKey key)
    {
        if (key.ScopePrefix.Length == 0)
        {
            return _entries.TryGetValue(key.Key, out var found) ? found : null;
        }

        return FindJoined(key);
    }

    private Entry? FindJoined(PhysicalKey key)
    {
        var length = key.Length;
        if (length > StackKeyLimit)
        {
            return _entries.TryGetValue(key.ToString(), out var found) ? found : null;
        }

        Span<char> buffer = stackalloc char[length];
        key.CopyTo(buffer);
        return _lookup.TryGetValue(buffer, out var entry) ? entry : null;
    }

    /// <inheritdoc />
    public ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = new Entry(value, timeToLive is { } ttl ? NowTicks + (StorageValidation.ToExpiryMilliseconds(ttl) * TimeSpan.TicksPerMillisecond) : 0);
        var fullKey = key.ToString();
        var stripe = StripeOf(fullKey);
        var reserved = false;

        while (true)
        {
            lock (stripe)
            {
                if (_entries.TryGetValue(fullKey, out var existing))
                {
                    if (reserved)
                    {
                        Interlocked.Decrement(ref _count);
                    }

                    _entries[fullKey] = entry;
                    return ValueTask.CompletedTask;
                }

                if (reserved)
                {
                    _entries[fullKey] = entry;
                    ScopeOf(fullKey).TryAdd(fullKey, 0);
                    return ValueTask.CompletedTask;
                }
            }

            // A new key: reserve a slot outside the stripe lock (purging may need other stripes), then insert.
            if (!TryReserveSlot())
            {
                if (_entries.ContainsKey(fullKey))
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
        var fullKey = key.ToString();
        lock (StripeOf(fullKey))
        {
            if (!_entries.TryRemove(fullKey, out var removed))
            {
                return new ValueTask<bool>(false);
            }

            ForgetLocked(fullKey);
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
            foreach (var (key, _) in scope)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (key.StartsWith(query.Prefix, StringComparison.Ordinal)
                    && _entries.TryGetValue(key, out var entry) && !entry.IsExpired(now))
                {
                    yield return key;
                }
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = NowTicks;
        long removed = 0;
        foreach (var scope in CandidateScopes(query.Prefix))
        {
            foreach (var (key, _) in scope)
            {
                if (!query.Matches(key))
                {
                    continue;
                }

                lock (StripeOf(key))
                {
                    if (_entries.TryRemove(key, out var entry))
                    {
                        ForgetLocked(key);
                        if (!entry.IsExpired(now))
                        {
                            removed++;
                        }
                    }
                }
            }
        }

        return new ValueTask<long>(removed);
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
        foreach (var pair in _entries)
        {
            if (!pair.Value.IsExpired(now))
            {
                continue;
            }

            lock (StripeOf(pair.Key))
            {
                // Remove only the very entry seen expired: a key set again since then is a new entry and stays.
                if (_entries.TryRemove(pair))
                {
                    ForgetLocked(pair.Key);
                    removed++;
                }
            }
        }

        return removed;
    }

    private void ForgetLocked(string fullKey)
    {
        Interlocked.Decrement(ref _count);
        // The scope name is looked up as a span of the key: no substring is allocated per delete.
        var colon = fullKey.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
        if (_scopeLookup.TryGetValue(colon < 0 ? [] : fullKey.AsSpan(0, colon + 1), out var scope))
        {
            scope.TryRemove(fullKey, out _);
        }
    }

    private IEnumerable<ConcurrentDictionary<string, byte>> CandidateScopes(string prefix)
    {
        var colon = prefix.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (_scopes.TryGetValue(prefix[..(colon + 1)], out var only))
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

    private ConcurrentDictionary<string, byte> ScopeOf(string fullKey)
        => _scopes.GetOrAdd(ScopeNameOf(fullKey), static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));

    // The scope of a physical key is its text up to and including the first ':'; keys without one share the root bucket "".
    private static string ScopeNameOf(string fullKey)
    {
        var colon = fullKey.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
        return colon < 0 ? string.Empty : fullKey[..(colon + 1)];
    }

    private Lock StripeOf(string fullKey) => _stripes[string.GetHashCode(fullKey, StringComparison.Ordinal) & (LockStripes - 1)];

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

        _entries.Clear();
        _scopes.Clear();
        Volatile.Write(ref _count, 0);
    }
}
