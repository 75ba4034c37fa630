using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ObjectOS.Storage.Redis;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Hosting;

/// <summary>
/// Chooses and configures the backend of the storage registered by
/// <see cref="ObjectOSStorageServiceCollectionExtensions.AddObjectOSStorage(IServiceCollection)"/>. Each call adds to
/// the configuration registered before it (configuration binding first, then these calls in order), so code can
/// override what configuration says.
/// </summary>
public sealed class ObjectOSStorageBuilder
{
    internal ObjectOSStorageBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the storage is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Stores values in process memory (<see cref="MemoryStorageBackend"/>), optionally adjusting its options.</summary>
    /// <param name="configure">Adjusts <see cref="MemoryStorageOptions"/>, e.g. <c>MaxKeys</c> or <c>TtlCheckInterval</c>.</param>
    public ObjectOSStorageBuilder UseMemory(Action<MemoryStorageOptions>? configure = null)
    {
        SelectBackend(StorageBackendKind.Memory);
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }

    /// <summary>Stores values in a SQLite file (<see cref="SqliteStorageBackend"/>).</summary>
    /// <param name="configure">Sets <see cref="SqliteStorageOptions"/>, at least the <c>Path</c> unless the default <c>./data/storage.db</c> suits.</param>
    public ObjectOSStorageBuilder UseSqlite(Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        SelectBackend(StorageBackendKind.Sqlite);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Stores values in Redis (<see cref="RedisStorageBackend"/>).</summary>
    /// <param name="configure">Sets <see cref="RedisStorageOptions"/>: the server(s), credentials, key prefix and timeouts.</param>
    public ObjectOSStorageBuilder UseRedis(Action<RedisStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        SelectBackend(StorageBackendKind.Redis);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Stores values in a backend of the application's own. The storage owns the backend and disposes it when the host stops.
    /// </summary>
    /// <param name="factory">Creates the backend once, from the application's services.</param>
    public ObjectOSStorageBuilder UseBackend(Func<IServiceProvider, IStorageBackend> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        SelectBackend(StorageBackendKind.Custom);
        Services.RemoveAll<CustomBackendFactory>();
        Services.AddSingleton(new CustomBackendFactory(factory));
        return this;
    }

    /// <summary>Adjusts the backend-independent <see cref="StoragePluginOptions"/>: limits, JSON options, access grants.</summary>
    /// <param name="configure">Changes the options; runs after the values bound from configuration.</param>
    public ObjectOSStorageBuilder WithOptions(Action<StoragePluginOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Turns metrics and tracing on (the default) and adjusts them, e.g. to tag metrics with the plugin id.</summary>
    /// <param name="configure">Adjusts <see cref="StorageMetricsOptions"/>; <see langword="null"/> keeps the defaults.</param>
    public ObjectOSStorageBuilder WithMetrics(Action<StorageMetricsOptions>? configure = null)
    {
        Services.Configure<ObjectOSStorageOptions>(options =>
        {
            options.Metrics.Enabled = true;
            configure?.Invoke(options.Metrics);
        });
        return this;
    }

    /// <summary>Adjusts the hosting options directly, e.g. <see cref="ObjectOSStorageOptions.InitializeOnStart"/>.</summary>
    /// <param name="configure">Changes the options; runs after the values bound from configuration.</param>
    public ObjectOSStorageBuilder Configure(Action<ObjectOSStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    private void SelectBackend(StorageBackendKind kind) => Services.Configure<ObjectOSStorageOptions>(options => options.Backend = kind);
}

/// <summary>The factory given to <see cref="ObjectOSStorageBuilder.UseBackend"/>.</summary>
internal sealed class CustomBackendFactory(Func<IServiceProvider, IStorageBackend> create)
{
    public IStorageBackend Create(IServiceProvider services) => create(services)
        ?? throw new InvalidOperationException("The backend factory given to UseBackend returned null.");
}
