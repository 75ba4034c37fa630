using System.Diagnostics.CodeAnalysis;

namespace ObjectOS.Runtime;

/// <summary>The context the kernel hands to one plugin: lookups are made in that plugin's name.</summary>
internal sealed class PluginContext(string pluginName, ServiceRegistry services, CancellationToken stoppingToken) : IPluginContext
{
    private readonly ServiceConsumer _self = new(pluginName);

    public string PluginName => pluginName;

    public CancellationToken StoppingToken => stoppingToken;

    public void RegisterService<T>(string name, T service) where T : class
    {
        ArgumentNullException.ThrowIfNull(service);
        services.Register(name, pluginName, _ => service);
    }

    public void RegisterService<T>(string name, Func<ServiceConsumer, T> factory) where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        services.Register(name, pluginName, factory);
    }

    public T GetService<T>(string name) where T : class => services.Get<T>(name, _self);

    public bool TryGetService<T>(string name, [MaybeNullWhen(false)] out T service) where T : class
        => services.TryGet(name, _self, out service);
}
