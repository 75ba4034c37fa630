namespace ObjectOS.Storage.Hosting;

/// <summary>
/// Hands each plugin of the application the storage service bound to it, as the kernel does: a plugin sees its own
/// scope, plus whatever <see cref="StorageAccessPolicy"/> grants it, and nothing else. Resolve it from dependency
/// injection; the unkeyed <see cref="IStorageService"/> (full access) is for the application itself.
/// </summary>
/// <remarks>
/// The same services are also registered as keyed services, keyed by plugin name:
/// <c>[FromKeyedServices("my-plugin")] IStorageService</c> or <c>[FromKeyedServices("my-plugin")] IScopedStorage</c>.
/// </remarks>
public interface IPluginStorageFactory
{
    /// <summary>The storage service as plugin <paramref name="pluginName"/> sees it (see <see cref="StoragePlugin.GetServiceForPlugin"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="pluginName"/> is null or blank.</exception>
    IStorageService GetServiceForPlugin(string pluginName);

    /// <summary>Plugin <paramref name="pluginId"/>'s own scope, the store most plugins need.</summary>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is not a valid plugin id.</exception>
    IScopedStorage GetScopedStorage(string pluginId);
}

internal sealed class PluginStorageFactory(StoragePlugin storage) : IPluginStorageFactory
{
    public IStorageService GetServiceForPlugin(string pluginName) => storage.GetServiceForPlugin(pluginName);

    public IScopedStorage GetScopedStorage(string pluginId) => storage.GetServiceForPlugin(pluginId).GetScopedStorage(pluginId);
}
