using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ObjectOS.Storage;
using ObjectOS.Storage.Diagnostics;
using ObjectOS.Storage.Hosting;
using ObjectOS.Storage.Redis;
using ObjectOS.Storage.Sqlite;

// Extension methods on IServiceCollection conventionally live in its namespace, so they show up without a using.
#pragma warning disable IDE0130
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers ObjectOS storage in a dependency-injection container, for generic hosts and ASP.NET Core.</summary>
public static class ObjectOSStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StoragePlugin"/> (singleton, owning its backend), <see cref="IStorageService"/> with full
    /// access for the application, <see cref="IPluginStorageFactory"/> and keyed per-plugin services, and a hosted
    /// service that opens the backend when the host starts and disposes it when the host stops. The backend is
    /// memory until the returned builder or configuration says otherwise.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to choose the backend and options.</returns>
    public static ObjectOSStorageBuilder AddObjectOSStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        return new ObjectOSStorageBuilder(services);
    }

    /// <summary>Registers ObjectOS storage (see <see cref="AddObjectOSStorage(IServiceCollection)"/>) and configures it with <paramref name="configure"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Chooses the backend and options, e.g. <c>storage => storage.UseSqlite(o => o.Path = "app.db")</c>.</param>
    /// <returns>The builder, for further calls.</returns>
    public static ObjectOSStorageBuilder AddObjectOSStorage(this IServiceCollection services, Action<ObjectOSStorageBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddObjectOSStorage();
        configure(builder);
        return builder;
    }

    /// <summary>
    /// Registers ObjectOS storage (see <see cref="AddObjectOSStorage(IServiceCollection)"/>) configured from
    /// <paramref name="section"/>, usually <c>configuration.GetSection("Storage")</c>: <c>Backend</c> (<c>Memory</c>,
    /// <c>Sqlite</c> or <c>Redis</c>), the limits, and the sub-sections <c>Memory</c>, <c>Sqlite</c>, <c>Redis</c> and
    /// <c>Metrics</c>. An operator switches backend by editing configuration; unknown or invalid settings stop the host
    /// at start-up with a message naming them.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The <c>Storage</c> configuration section.</param>
    /// <returns>A builder whose calls override what configuration says.</returns>
    public static ObjectOSStorageBuilder AddObjectOSStorage(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddObjectOSStorage();
        StorageConfigurationBinding.Register(services, section);
        return builder;
    }

    private static void AddCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(StorageRegistrationMarker)))
        {
            return;
        }

        services.AddSingleton<StorageRegistrationMarker>();
        services.AddOptions();
        services.AddOptions<ObjectOSStorageOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObjectOSStorageOptions>, ObjectOSStorageOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<StoragePluginOptions>, StoragePluginOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<MemoryStorageOptions>, TimeProviderSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<SqliteStorageOptions>, TimeProviderSetup>());

        services.TryAddSingleton(CreateStoragePlugin);
        services.TryAddSingleton<IStorageService>(static sp => sp.GetRequiredService<StoragePlugin>());
        services.TryAddSingleton<IPluginStorageFactory, PluginStorageFactory>();
        services.TryAddKeyedSingleton<IStorageService>(KeyedService.AnyKey,
            static (sp, key) => sp.GetRequiredService<IPluginStorageFactory>().GetServiceForPlugin(PluginKey(key)));
        services.TryAddKeyedSingleton<IScopedStorage>(KeyedService.AnyKey,
            static (sp, key) => sp.GetRequiredService<IPluginStorageFactory>().GetScopedStorage(PluginKey(key)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ObjectOSStorageHostedService>());
    }

    private static string PluginKey(object? key) => key as string
        ?? throw new InvalidOperationException($"Keyed ObjectOS storage services are keyed by plugin name (a string), not by '{key}'.");

    private static StoragePlugin CreateStoragePlugin(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ObjectOSStorageOptions>>().Value;
        var pluginOptions = services.GetRequiredService<IOptions<StoragePluginOptions>>().Value;
        IStorageBackend backend = options.Backend switch
        {
            StorageBackendKind.Memory => new MemoryStorageBackend(services.GetRequiredService<IOptions<MemoryStorageOptions>>().Value),
            StorageBackendKind.Sqlite => new SqliteStorageBackend(services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value),
            StorageBackendKind.Redis => new RedisStorageBackend(services.GetRequiredService<IOptions<RedisStorageOptions>>().Value),
            StorageBackendKind.Custom => (services.GetService<CustomBackendFactory>()
                ?? throw new InvalidOperationException(ObjectOSStorageOptionsValidator.CustomWithoutFactory)).Create(services),
            _ => throw new InvalidOperationException($"Unknown storage backend '{options.Backend}'."),
        };

        if (options.Metrics.Enabled)
        {
            backend = new InstrumentedStorageBackend(
                backend,
                new StorageInstrumentationOptions { IncludePluginIdTag = options.Metrics.IncludePluginIdTag },
                services.GetService<IMeterFactory>());
        }

        return new StoragePlugin(backend, pluginOptions);
    }

    private sealed class StorageRegistrationMarker;
}
