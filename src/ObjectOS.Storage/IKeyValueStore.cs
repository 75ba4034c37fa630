using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;

namespace ObjectOS.Storage;

/// <summary>
/// The key-value operations shared by the root store and by a plugin's scoped store. Values are stored as
/// JSON snapshots; keys are ordinal, case-sensitive strings.
/// </summary>
public interface IKeyValueStore
{
    /// <summary>Gets the value stored under <paramref name="key"/>, or <see langword="default"/> when the key is missing or expired.</summary>
    /// <exception cref="ArgumentException">The key is null, empty, too long or not valid UTF-16.</exception>
    /// <exception cref="StorageSerializationException">The stored JSON cannot be read as a <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Gets the value stored under <paramref name="key"/> using source-generated JSON metadata (trim- and AOT-safe).</summary>
    ValueTask<T?> GetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default);

    /// <summary>Gets the value under <paramref name="key"/> and whether it exists, telling a missing key from a stored <c>null</c> or default.</summary>
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    ValueTask<StorageResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Gets the value under <paramref name="key"/> and whether it exists, using source-generated JSON metadata.</summary>
    ValueTask<StorageResult<T>> TryGetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default);

    /// <summary>Gets the stored UTF-8 JSON bytes without deserializing them, or <see langword="null"/> when the key is missing.</summary>
    ValueTask<ReadOnlyMemory<byte>?> GetBytesAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Whether a live (not expired) value is stored under <paramref name="key"/>.</summary>
    ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a JSON snapshot of <paramref name="value"/> under <paramref name="key"/>, replacing any earlier value and TTL.
    /// With a <paramref name="timeToLive"/> the key expires after that time; without one it never expires.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToLive"/> is zero, negative or too large.</exception>
    /// <exception cref="StorageSerializationException">The value cannot be serialized; nothing is stored.</exception>
    /// <exception cref="StorageValueTooLargeException">The serialized value exceeds the configured maximum; nothing is stored.</exception>
    /// <exception cref="StorageQuotaExceededException">The key is new and the backend's key limit is reached.</exception>
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a JSON snapshot of <paramref name="value"/> using source-generated JSON metadata (trim- and AOT-safe).</summary>
    ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default);

    /// <summary>Stores already-serialized UTF-8 JSON, skipping serialization; the bytes are copied and must be one valid JSON document.</summary>
    /// <exception cref="ArgumentException">The bytes are not a single valid UTF-8 JSON document.</exception>
    ValueTask SetBytesAsync(string key, ReadOnlyMemory<byte> utf8Json, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes <paramref name="key"/>; returns whether a live value was removed.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The time left before <paramref name="key"/> expires: <see langword="null"/> when the key is missing,
    /// <see cref="Timeout.InfiniteTimeSpan"/> when it never expires.
    /// </summary>
    ValueTask<TimeSpan?> GetTimeToLiveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The live keys matching the glob <paramref name="pattern"/> (<c>*</c> when null or empty), sorted ordinally.
    /// In a scoped store the keys are relative to the scope.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is malformed.</exception>
    Task<IReadOnlyList<string>> KeysAsync(string? pattern = null, CancellationToken cancellationToken = default);

    /// <summary>Streams the live keys matching <paramref name="pattern"/> in no particular order, for stores too large to list at once.</summary>
    /// <exception cref="ArgumentException">The pattern is malformed.</exception>
    IAsyncEnumerable<string> EnumerateKeysAsync(string? pattern = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes every key of this store (only this scope's keys for a scoped store); returns how many were removed.</summary>
    Task<long> ClearAsync(CancellationToken cancellationToken = default);
}

/// <summary>The storage service: the root key-value store plus access to each plugin's isolated scope.</summary>
public interface IStorageService : IKeyValueStore
{
    /// <summary>Gets the store of one plugin: its keys are invisible to every other scope.</summary>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is not a valid plugin id.</exception>
    /// <exception cref="StorageAccessDeniedException">The caller may not access that plugin's scope.</exception>
    IScopedStorage GetScopedStorage(string pluginId);
}

/// <summary>One plugin's isolated store: keys are stored as <c>&lt;pluginId&gt;:&lt;key&gt;</c> and nothing outside the scope is visible.</summary>
public interface IScopedStorage : IKeyValueStore
{
    /// <summary>The plugin id this scope belongs to.</summary>
    string PluginId { get; }
}

/// <summary>The outcome of a lookup that distinguishes a missing key from a stored <c>null</c> or default value.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Found">Whether a live value was stored.</param>
/// <param name="Value">The value, when <paramref name="Found"/>.</param>
public readonly record struct StorageResult<T>(bool Found, T? Value);
