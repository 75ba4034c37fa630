namespace ObjectOS.Storage;

/// <summary>
/// A place where physical keys and their UTF-8 JSON values live: memory, a SQLite file, Redis.
/// The core does scoping, validation, serialization and pattern semantics; a backend only stores and finds
/// physical keys and enforces expiry, so every backend behaves the same.
/// </summary>
/// <remarks>
/// A backend must never return, list or count an expired key. Keys are arbitrary valid UTF-16 strings;
/// compare them ordinally. Implementations must be safe for concurrent use.
/// </remarks>
public interface IStorageBackend : IAsyncDisposable
{
    /// <summary>A short name for diagnostics and metrics: <c>memory</c>, <c>sqlite</c>, <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Opens files or connections and starts background work. Called once by the core before the first
    /// operation (and again after a failed attempt); must fail with a clear typed exception on bad configuration.
    /// </summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Gets the live value of <paramref name="key"/>, or <see langword="null"/>. The caller never mutates the returned memory.</summary>
    ValueTask<ReadOnlyMemory<byte>?> GetAsync(PhysicalKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="value"/> (UTF-8 JSON) under <paramref name="key"/>, replacing value and expiry.
    /// The backend takes ownership of the array: the core never touches it again.
    /// </summary>
    /// <param name="key">The physical key.</param>
    /// <param name="value">The UTF-8 JSON bytes.</param>
    /// <param name="timeToLive">A positive time to live, or <see langword="null"/> for no expiry (which removes an earlier one).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="key"/>; returns whether a live value was removed.</summary>
    ValueTask<bool> DeleteAsync(PhysicalKey key, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="key"/> holds a live value.</summary>
    ValueTask<bool> ExistsAsync(PhysicalKey key, CancellationToken cancellationToken);

    /// <summary>The time left for <paramref name="key"/>: <see langword="null"/> when missing, <see cref="Timeout.InfiniteTimeSpan"/> when it never expires.</summary>
    ValueTask<TimeSpan?> GetTimeToLiveAsync(PhysicalKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the live physical keys that start with <see cref="KeyQuery.Prefix"/>, each once, in any order.
    /// It may also yield keys that do not match <see cref="KeyQuery.Pattern"/> (the core filters exactly),
    /// but must not miss one that does, and its cost should follow the keys under the prefix, not all keys.
    /// </summary>
    IAsyncEnumerable<string> ListKeysAsync(KeyQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes every live key for which <see cref="KeyQuery.Matches(string)"/> is true; returns how many were removed.</summary>
    ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken);

    /// <summary>Checks that the backend can serve requests, without writing any key a user could see.</summary>
    ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken);
}

/// <summary>The result of a backend health probe.</summary>
/// <param name="IsHealthy">Whether the backend can serve requests.</param>
/// <param name="Description">A one-line description for operators (never contains secrets).</param>
/// <param name="Data">Optional facts such as key counts, latency or server version.</param>
public sealed record StorageHealth(bool IsHealthy, string Description, IReadOnlyDictionary<string, object>? Data = null);
