using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using ObjectOS.Runtime;

namespace ObjectOS.Storage;

/// <summary>
/// Plugin-isolated key-value storage. Usable on its own right after construction, or registered in an
/// <see cref="ObjectOSKernel"/>, where it offers the <c>storage</c> service: each plugin that looks it up gets a
/// service bound to its own scope. The object itself, held by the host, has full access.
/// </summary>
public sealed class StoragePlugin : IPlugin, IStorageService, IAsyncDisposable
{
    private readonly StorageEngine _engine;
    private readonly ConcurrentDictionary<string, PluginStorageService> _pluginServices = new(StringComparer.Ordinal);

    /// <summary>Creates storage on a fresh in-memory backend with default options.</summary>
    public StoragePlugin() : this(new MemoryStorageBackend()) { }

    /// <summary>Creates storage on <paramref name="backend"/>, which the plugin owns and disposes.</summary>
    public StoragePlugin(IStorageBackend backend) : this(backend, new StoragePluginOptions()) { }

    /// <summary>Creates storage on <paramref name="backend"/> (owned and disposed by the plugin) with <paramref name="options"/>.</summary>
    public StoragePlugin(IStorageBackend backend, StoragePluginOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _engine = new StorageEngine(backend, options);
        RootStore = new KeyValueStore(_engine, pluginId: null);
    }

    /// <inheritdoc />
    public string Name => Options.PluginName;

    /// <inheritdoc />
    public string Version => typeof(StoragePlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The options this plugin was created with.</summary>
    public StoragePluginOptions Options { get; }

    /// <summary>The backend the values are stored in.</summary>
    public IStorageBackend Backend => _engine.Backend;

    internal KeyValueStore RootStore { get; }

    /// <summary>Opens the backend now instead of on first use, so configuration errors surface at start-up.</summary>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => _engine.EnsureReadyAsync(cancellationToken);

    /// <summary>Opens the backend and registers the storage service, bound per consumer, under <see cref="StoragePluginOptions.ServiceName"/>.</summary>
    public async Task InitAsync(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await _engine.EnsureReadyAsync(context.StoppingToken).ConfigureAwait(false);
        context.RegisterService<IStorageService>(Options.ServiceName, consumer => consumer.IsHost ? this : GetServiceForPlugin(consumer.PluginName!));
    }

    /// <summary>
    /// The storage service as plugin <paramref name="pluginName"/> sees it: its own scope, plus what
    /// <see cref="StoragePluginOptions.AccessPolicy"/> grants. Hosts without the kernel use it to hand storage to plugins.
    /// </summary>
    public IStorageService GetServiceForPlugin(string pluginName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginName);
        return _pluginServices.GetOrAdd(pluginName, static (name, owner) => new PluginStorageService(owner, name), this);
    }

    /// <inheritdoc />
    public IScopedStorage GetScopedStorage(string pluginId)
    {
        StorageValidation.ValidatePluginId(pluginId);
        return new KeyValueStore(_engine, pluginId);
    }

    /// <summary>Checks the backend without writing any user-visible key.</summary>
    public async ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            return await _engine.Backend.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or TimeoutException)
        {
            return new StorageHealth(false, ex.Message);
        }
    }

    /// <inheritdoc />
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default) => RootStore.GetAsync<T>(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<T?> GetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => RootStore.GetAsync(key, typeInfo, cancellationToken);

    /// <inheritdoc />
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask<StorageResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default) => RootStore.TryGetAsync<T>(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StorageResult<T>> TryGetAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => RootStore.TryGetAsync(key, typeInfo, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>?> GetBytesAsync(string key, CancellationToken cancellationToken = default) => RootStore.GetBytesAsync(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => RootStore.ExistsAsync(key, cancellationToken);

    /// <inheritdoc />
    [RequiresUnreferencedCode(StorageSerializer.ReflectionWarning)]
    [RequiresDynamicCode(StorageSerializer.ReflectionWarning)]
    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => RootStore.SetAsync(key, value, timeToLive, cancellationToken);

    /// <inheritdoc />
    public ValueTask SetAsync<T>(string key, T value, TimeSpan? timeToLive, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) => RootStore.SetAsync(key, value, timeToLive, typeInfo, cancellationToken);

    /// <inheritdoc />
    public ValueTask SetBytesAsync(string key, ReadOnlyMemory<byte> utf8Json, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => RootStore.SetBytesAsync(key, utf8Json, timeToLive, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => RootStore.DeleteAsync(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TimeSpan?> GetTimeToLiveAsync(string key, CancellationToken cancellationToken = default) => RootStore.GetTimeToLiveAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> KeysAsync(string? pattern = null, CancellationToken cancellationToken = default) => RootStore.KeysAsync(pattern, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<string> EnumerateKeysAsync(string? pattern = null, CancellationToken cancellationToken = default) => RootStore.EnumerateKeysAsync(pattern, cancellationToken);

    /// <inheritdoc />
    public Task<long> ClearAsync(CancellationToken cancellationToken = default) => RootStore.ClearAsync(cancellationToken);

    /// <summary>Disposes the backend: stops background work and closes files and connections.</summary>
    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
