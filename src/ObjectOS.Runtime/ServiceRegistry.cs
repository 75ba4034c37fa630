using System.Diagnostics.CodeAnalysis;

namespace ObjectOS.Runtime;

/// <summary>Named services shared by the plugins of one kernel; each lookup is resolved for its consumer.</summary>
internal sealed class ServiceRegistry
{
    private readonly Dictionary<string, Registration> _services = new(StringComparer.Ordinal);

    private sealed record Registration(string? Owner, Func<ServiceConsumer, object> Factory);

    public void Register(string name, string? owner, Func<ServiceConsumer, object> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_services)
        {
            if (_services.TryGetValue(name, out var existing))
            {
                throw new ServiceAlreadyRegisteredException(name, existing.Owner, owner);
            }

            _services.Add(name, new Registration(owner, factory));
        }
    }

    public T Get<T>(string name, ServiceConsumer consumer) where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Registration? registration;
        lock (_services)
        {
            _services.TryGetValue(name, out registration);
        }

        if (registration is null)
        {
            throw new ServiceNotFoundException(name, consumer.PluginName);
        }

        var service = registration.Factory(consumer)
            ?? throw new InvalidOperationException($"The factory of service '{name}' returned null.");
        return service as T ?? throw new InvalidCastException(
            $"Service '{name}' is a {service.GetType().FullName}, not a {typeof(T).FullName}.");
    }

    public bool TryGet<T>(string name, ServiceConsumer consumer, [MaybeNullWhen(false)] out T service) where T : class
    {
        Registration? registration;
        lock (_services)
        {
            _services.TryGetValue(name, out registration);
        }

        service = registration?.Factory(consumer) as T;
        return service is not null;
    }

    public void Clear()
    {
        lock (_services)
        {
            _services.Clear();
        }
    }
}
