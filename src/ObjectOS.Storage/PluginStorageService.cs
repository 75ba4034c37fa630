using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;

namespace ObjectOS.Storage;

/// <summary>
/// The storage service as one plugin sees it: its own scope opens; other scopes and the unscoped root store
/// throw <see cref="StorageAccessDeniedException"/> unless the host granted more in <see cref="StorageAccessPolicy"/>.
/// </summary>
internal sealed class PluginStorageService(StoragePlugin owner, string pluginName) : IStorageService
{
    private KeyValueStore Root
    {
        get
        {
            if (!owner.Options.AccessPolicy.CanAccessRoot(pluginName))
            {
                throw new StorageAccessDeniedException(
                    $"Plugin '{pluginName}' may not use the unscoped storage root; call GetScopedStorage(\"{pluginName}\") " +
                    "for its own scope, or have the host grant root access in StoragePluginOptions.AccessPolicy.");
            }

            return owner.RootStore;
        }
    }

    public IScopedStorage GetScopedStorage(string pluginId)
    {
        StorageValidation.ValidatePluginId(pluginId);
        if (!owner.Options.AccessPolicy.CanAccessScope(pluginName, pluginId))
        {
            throw new StorageAccessDeniedException(
                $"Plugin '{pluginName}' may not access the storage scope of plugin '{pluginId}'; a plugin opens only its own scope " +
                "unless the host grants more in StoragePluginOptions.AccessPolicy.");
        }

        return owner.GetScopedStorage(pluginId);
    }

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default) => Root.GetAsync<T>(key, cancellationToken);

    public ValueTask<T?> GetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => Root.GetAsync(key, typeInfo, cancellationToken);

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask<StorageResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default) => Root.TryGetAsync<T>(key, cancellationToken);

    public ValueTask<StorageResult<T>> TryGetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => Root.TryGetAsync(key, typeInfo, cancellationToken);

    public ValueTask<ReadOnlyMemory<byte>?> GetBytesAsync(string key, CancellationToken cancellationToken = default) => Root.GetBytesAsync(key, cancellationToken);

    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Root.ExistsAsync(key, cancellationToken);

    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => Root.SetAsync(key, value, timeToLive, cancellationToken);

    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => Root.SetAsync(key, value, timeToLive, typeInfo, cancellationToken);

    public ValueTask SetBytesAsync(string key, ReadOnlyMemory<byte> utf8Json, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => Root.SetBytesAsync(key, utf8Json, timeToLive, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Root.DeleteAsync(key, cancellationToken);

    public ValueTask<TimeSpan?> GetTimeToLiveAsync(string key, CancellationToken cancellationToken = default) => Root.GetTimeToLiveAsync(key, cancellationToken);

    public Task<IReadOnlyList<string>> KeysAsync(string? pattern = null, CancellationToken cancellationToken = default) => Root.KeysAsync(pattern, cancellationToken);

    public IAsyncEnumerable<string> EnumerateKeysAsync(string? pattern = null, CancellationToken cancellationToken = default) => Root.EnumerateKeysAsync(pattern, cancellationToken);

    public Task<long> ClearAsync(CancellationToken cancellationToken = default) => Root.ClearAsync(cancellationToken);

    public override string ToString() => $"storage service of plugin '{pluginName}'";
}
