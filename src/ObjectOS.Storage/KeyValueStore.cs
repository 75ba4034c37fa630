using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;

namespace ObjectOS.Storage;

/// <summary>
/// A full-access view of the store at one scope: the root (prefix <c>""</c>) or one plugin (<c>"pluginId:"</c>).
/// Every public operation validates, maps the key to its physical form and calls the backend.
/// </summary>
internal sealed class KeyValueStore : IScopedStorage
{
    private readonly StorageEngine _engine;
    private readonly string _scopePrefix;

    public KeyValueStore(StorageEngine engine, string? pluginId)
    {
        _engine = engine;
        PluginId = pluginId ?? string.Empty;
        _scopePrefix = pluginId is null ? string.Empty : StorageValidation.ScopePrefixOf(pluginId);
    }

    public string PluginId { get; }

    private IStorageBackend Backend => _engine.Backend;

    private PhysicalKey ToPhysical(string key)
    {
        _engine.ValidateKey(key);
        return new PhysicalKey(_scopePrefix, key);
    }

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public async ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var bytes = await GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        return bytes is { } value ? _engine.Serializer.Deserialize<T>(key, value.Span) : default;
    }

    public async ValueTask<T?> GetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = await GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        return bytes is { } value ? StorageSerializer.Deserialize(key, value.Span, typeInfo) : default;
    }

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public async ValueTask<StorageResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var bytes = await GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        return bytes is { } value ? new StorageResult<T>(true, _engine.Serializer.Deserialize<T>(key, value.Span)) : default;
    }

    public async ValueTask<StorageResult<T>> TryGetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = await GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        return bytes is { } value ? new StorageResult<T>(true, StorageSerializer.Deserialize(key, value.Span, typeInfo)) : default;
    }

    public ValueTask<ReadOnlyMemory<byte>?> GetBytesAsync(string key, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        return _engine.IsReady ? Backend.GetAsync(physical, cancellationToken) : Slow(physical, cancellationToken);

        async ValueTask<ReadOnlyMemory<byte>?> Slow(PhysicalKey k, CancellationToken ct)
        {
            await _engine.EnsureReadyAsync(ct).ConfigureAwait(false);
            return await Backend.GetAsync(k, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await Backend.ExistsAsync(physical, cancellationToken).ConfigureAwait(false);
    }

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        StorageValidation.ValidateTimeToLive(timeToLive);
        var bytes = _engine.Serializer.Serialize(key, value);
        return Store(physical, bytes, timeToLive, cancellationToken);
    }

    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        StorageValidation.ValidateTimeToLive(timeToLive);
        var bytes = _engine.Serializer.Serialize(key, value, typeInfo);
        return Store(physical, bytes, timeToLive, cancellationToken);
    }

    public ValueTask SetBytesAsync(string key, ReadOnlyMemory<byte> utf8Json, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        StorageValidation.ValidateTimeToLive(timeToLive);
        var bytes = _engine.Serializer.CopyValidatedJson(key, utf8Json.Span);
        return Store(physical, bytes, timeToLive, cancellationToken);
    }

    private ValueTask Store(PhysicalKey physical, byte[] bytes, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        return _engine.IsReady ? Backend.SetAsync(physical, bytes, timeToLive, cancellationToken) : Slow();

        async ValueTask Slow()
        {
            await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            await Backend.SetAsync(physical, bytes, timeToLive, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await Backend.DeleteAsync(physical, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<TimeSpan?> GetTimeToLiveAsync(string key, CancellationToken cancellationToken = default)
    {
        var physical = ToPhysical(key);
        await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await Backend.GetTimeToLiveAsync(physical, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> KeysAsync(string? pattern = null, CancellationToken cancellationToken = default)
    {
        var query = CreateQuery(pattern);
        var keys = new List<string>();
        await foreach (var key in ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public IAsyncEnumerable<string> EnumerateKeysAsync(string? pattern = null, CancellationToken cancellationToken = default)
        => ListAsync(CreateQuery(pattern), cancellationToken);

    private async IAsyncEnumerable<string> ListAsync(KeyQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var physical in Backend.ListKeysAsync(query, cancellationToken).ConfigureAwait(false))
        {
            // Backends may over-approximate (prefix scans, byte-wise MATCH); the exact decision is made here, once.
            if (query.Matches(physical))
            {
                yield return physical[_scopePrefix.Length..];
            }
        }
    }

    public async Task<long> ClearAsync(CancellationToken cancellationToken = default)
    {
        var query = new KeyQuery(_scopePrefix, GlobPattern.MatchAll);
        await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await Backend.DeleteKeysAsync(query, cancellationToken).ConfigureAwait(false);
    }

    private KeyQuery CreateQuery(string? pattern)
        => new(_scopePrefix, string.IsNullOrEmpty(pattern) ? GlobPattern.MatchAll : GlobPattern.Parse(pattern));

    public override string ToString() => _scopePrefix.Length == 0 ? "storage (root)" : $"storage scope '{PluginId}'";
}
