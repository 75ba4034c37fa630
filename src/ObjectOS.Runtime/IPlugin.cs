namespace ObjectOS.Runtime;

/// <summary>
/// A unit of functionality hosted by <see cref="ObjectOSKernel"/>: initialised once, started, then stopped in reverse order.
/// </summary>
public interface IPlugin
{
    /// <summary>The unique plugin name, e.g. <c>my-plugin</c> or <c>@objectos/storage</c>; other plugins depend on it by this name.</summary>
    string Name { get; }

    /// <summary>The plugin's version, for diagnostics.</summary>
    string Version { get; }

    /// <summary>Names of plugins that must be initialised before this one; empty means none.</summary>
    IReadOnlyList<string> Dependencies => [];

    /// <summary>Initialises the plugin: register the services it offers and look up the ones it needs.</summary>
    /// <param name="context">The plugin's own context, bound to this plugin.</param>
    Task InitAsync(IPluginContext context);

    /// <summary>Starts the plugin after every plugin has been initialised. The default does nothing.</summary>
    /// <param name="context">The plugin's own context.</param>
    Task StartAsync(IPluginContext context) => Task.CompletedTask;

    /// <summary>Stops the plugin; called in reverse initialisation order. The default does nothing.</summary>
    /// <param name="context">The plugin's own context.</param>
    Task StopAsync(IPluginContext context) => Task.CompletedTask;
}
