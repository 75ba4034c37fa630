using System.Diagnostics.CodeAnalysis;

namespace ObjectOS.Runtime;

/// <summary>
/// The view of the kernel that one plugin gets: its identity and the shared service registry.
/// Services looked up through it are resolved for this plugin, so a service can bind itself to its caller.
/// </summary>
public interface IPluginContext
{
    /// <summary>The name of the plugin this context belongs to.</summary>
    string PluginName { get; }

    /// <summary>A token that is cancelled when the kernel stops.</summary>
    CancellationToken StoppingToken { get; }

    /// <summary>Registers one shared service instance under <paramref name="name"/>.</summary>
    /// <exception cref="ServiceAlreadyRegisteredException">A service of that name already exists.</exception>
    void RegisterService<T>(string name, T service) where T : class;

    /// <summary>
    /// Registers a service whose instance is created per consumer (each plugin, or the host), so the service
    /// can enforce what each consumer may do.
    /// </summary>
    /// <exception cref="ServiceAlreadyRegisteredException">A service of that name already exists.</exception>
    void RegisterService<T>(string name, Func<ServiceConsumer, T> factory) where T : class;

    /// <summary>Gets the service registered under <paramref name="name"/>, resolved for this plugin.</summary>
    /// <exception cref="ServiceNotFoundException">No service of that name is registered.</exception>
    /// <exception cref="InvalidCastException">The service is not a <typeparamref name="T"/>.</exception>
    T GetService<T>(string name) where T : class;

    /// <summary>Gets the service registered under <paramref name="name"/> if there is one of type <typeparamref name="T"/>.</summary>
    bool TryGetService<T>(string name, [MaybeNullWhen(false)] out T service) where T : class;
}

/// <summary>Who asks the registry for a service: a named plugin, or the host application that owns the kernel.</summary>
/// <param name="PluginName">The consuming plugin's name, or <see langword="null"/> for the host.</param>
public sealed record ServiceConsumer(string? PluginName)
{
    /// <summary>The host application: trusted with full access.</summary>
    public static ServiceConsumer Host { get; } = new((string?)null);

    /// <summary>Whether the consumer is the host rather than a plugin.</summary>
    public bool IsHost => PluginName is null;
}
