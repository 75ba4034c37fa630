namespace ObjectOS.Runtime;

/// <summary>Base type of the errors the kernel raises about plugins and services.</summary>
public class PluginException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public PluginException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public PluginException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A service was looked up by a name that nobody registered.</summary>
public sealed class ServiceNotFoundException : PluginException
{
    /// <summary>Creates the exception for the missing service <paramref name="serviceName"/>.</summary>
    public ServiceNotFoundException(string serviceName, string? consumer)
        : base($"Service '{serviceName}' is not registered" + (consumer is null ? "." : $" (requested by plugin '{consumer}').")
               + " Register it in a plugin's InitAsync, and declare that plugin as a dependency so it initialises first.")
        => ServiceName = serviceName;

    /// <summary>The name that was looked up.</summary>
    public string ServiceName { get; }
}

/// <summary>A service was registered under a name that is already taken.</summary>
public sealed class ServiceAlreadyRegisteredException : PluginException
{
    /// <summary>Creates the exception for the duplicate service <paramref name="serviceName"/>.</summary>
    public ServiceAlreadyRegisteredException(string serviceName, string? existingOwner, string? newOwner)
        : base($"Service '{serviceName}' is already registered by {Describe(existingOwner)}; {Describe(newOwner)} cannot register it again.")
        => ServiceName = serviceName;

    /// <summary>The duplicated name.</summary>
    public string ServiceName { get; }

    private static string Describe(string? owner) => owner is null ? "the host" : $"plugin '{owner}'";
}

/// <summary>A plugin's declared dependencies cannot be satisfied: a missing plugin or a cycle.</summary>
public sealed class PluginDependencyException : PluginException
{
    /// <summary>Creates the exception with a message naming the plugins involved.</summary>
    public PluginDependencyException(string message) : base(message) { }
}

/// <summary>A plugin failed in one of its lifecycle methods; the inner exception is the plugin's own error.</summary>
public sealed class PluginLifecycleException : PluginException
{
    /// <summary>Creates the exception for <paramref name="pluginName"/> failing in <paramref name="phase"/>.</summary>
    public PluginLifecycleException(string pluginName, string phase, Exception innerException)
        : base($"Plugin '{pluginName}' failed in {phase}: {innerException.Message}", innerException)
    {
        PluginName = pluginName;
        Phase = phase;
    }

    /// <summary>The plugin that failed.</summary>
    public string PluginName { get; }

    /// <summary>The lifecycle method that failed: <c>InitAsync</c>, <c>StartAsync</c>, <c>StopAsync</c> or <c>DisposeAsync</c>.</summary>
    public string Phase { get; }
}
