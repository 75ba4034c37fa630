using System.Diagnostics.CodeAnalysis;

namespace ObjectOS.Runtime;

/// <summary>
/// The plugin host: plugins are registered, then <see cref="StartAsync"/> initialises them in dependency order
/// (registration order where no dependency is declared) and starts them; <see cref="StopAsync"/> stops and
/// disposes them in reverse order.
/// </summary>
public sealed class ObjectOSKernel : IAsyncDisposable
{
    private readonly List<IPlugin> _registered = [];
    private readonly List<(IPlugin Plugin, PluginContext Context)> _initialized = [];
    private readonly ServiceRegistry _services = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private CancellationTokenSource _stopping = new();
    private KernelState _state = KernelState.Created;
    private int _disposed;

    private enum KernelState { Created, Starting, Started, Stopped }

    /// <summary>The registered plugins, in registration order.</summary>
    public IReadOnlyList<IPlugin> Plugins
    {
        get { lock (_registered) { return [.. _registered]; } }
    }

    /// <summary>Whether <see cref="StartAsync"/> has completed and <see cref="StopAsync"/> has not been called since.</summary>
    public bool IsRunning { get { lock (_registered) { return _state == KernelState.Started; } } }

    /// <summary>Registers a plugin; plugins must be registered before <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">The plugin has no name, or another plugin has the same name.</exception>
    /// <exception cref="InvalidOperationException">The kernel has already started.</exception>
    public Task RegisterPluginAsync(IPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        if (string.IsNullOrWhiteSpace(plugin.Name))
        {
            throw new ArgumentException("A plugin must have a non-empty Name.", nameof(plugin));
        }

        lock (_registered)
        {
            if (_state != KernelState.Created)
            {
                throw new InvalidOperationException($"Cannot register plugin '{plugin.Name}': the kernel has already been started.");
            }

            if (_registered.Exists(p => string.Equals(p.Name, plugin.Name, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"A plugin named '{plugin.Name}' is already registered.", nameof(plugin));
            }

            _registered.Add(plugin);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Initialises every plugin in dependency order, then starts them in the same order. If any plugin fails, every
    /// plugin whose initialisation began (the failing one included, so it can release what it acquired) is stopped
    /// and disposed in reverse order, and the error is thrown.
    /// </summary>
    /// <exception cref="PluginDependencyException">A dependency is missing or the dependencies form a cycle.</exception>
    /// <exception cref="PluginLifecycleException">A plugin's <c>InitAsync</c> or <c>StartAsync</c> failed; kernel errors
    /// raised inside them (such as <see cref="ServiceNotFoundException"/>) surface as themselves.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != KernelState.Created)
            {
                throw new InvalidOperationException("The kernel has already been started.");
            }

            List<IPlugin> order;
            lock (_registered)
            {
                order = ResolveOrder(_registered);
                _state = KernelState.Starting;
            }

            try
            {
                foreach (var plugin in order)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var context = new PluginContext(plugin.Name, _services, _stopping.Token);
                    _initialized.Add((plugin, context));
                    await RunPhaseAsync(plugin, "InitAsync", () => plugin.InitAsync(context)).ConfigureAwait(false);
                }

                foreach (var (plugin, context) in _initialized)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await RunPhaseAsync(plugin, "StartAsync", () => plugin.StartAsync(context)).ConfigureAwait(false);
                }

                lock (_registered)
                {
                    _state = KernelState.Started;
                }
            }
            catch
            {
                await ShutdownAsync(throwOnError: false).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops every started plugin in reverse initialisation order, then disposes those that are disposable, also in
    /// reverse order. Every plugin is stopped even if another fails; failures are reported together afterwards.
    /// </summary>
    /// <exception cref="AggregateException">One or more plugins failed to stop or dispose.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != KernelState.Started)
            {
                return;
            }

            await ShutdownAsync(throwOnError: true).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Gets a service as the host sees it: the host is trusted and gets the full-access instance.</summary>
    /// <exception cref="ServiceNotFoundException">No service of that name is registered.</exception>
    public T GetService<T>(string name) where T : class => _services.Get<T>(name, ServiceConsumer.Host);

    /// <summary>Gets a service as the host sees it, if one of that name and type exists.</summary>
    public bool TryGetService<T>(string name, [MaybeNullWhen(false)] out T service) where T : class
        => _services.TryGet(name, ServiceConsumer.Host, out service);

    /// <summary>Registers a service from the host, before or after start.</summary>
    /// <exception cref="ServiceAlreadyRegisteredException">A service of that name already exists.</exception>
    public void RegisterService<T>(string name, T service) where T : class
    {
        ArgumentNullException.ThrowIfNull(service);
        _services.Register(name, null, _ => service);
    }

    /// <summary>Stops the kernel if it is running; calling it again does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Dispose();
            _stopping.Dispose();
        }
    }

    private async Task ShutdownAsync(bool throwOnError)
    {
        List<Exception> errors = [];
        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException ex)
        {
            // A callback registered on StoppingToken threw; report it, but still stop every plugin.
            errors.AddRange(ex.InnerExceptions);
        }

        for (var i = _initialized.Count - 1; i >= 0; i--)
        {
            var (plugin, context) = _initialized[i];
            try
            {
                await plugin.StopAsync(context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Any error, including OperationCanceledException from the already cancelled StoppingToken.
                errors.Add(new PluginLifecycleException(plugin.Name, "StopAsync", ex));
            }
        }

        for (var i = _initialized.Count - 1; i >= 0; i--)
        {
            var plugin = _initialized[i].Plugin;
            try
            {
                switch (plugin)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
            catch (Exception ex)
            {
                errors.Add(new PluginLifecycleException(plugin.Name, "DisposeAsync", ex));
            }
        }

        _initialized.Clear();
        _services.Clear();
        _stopping.Dispose();
        _stopping = new CancellationTokenSource();
        lock (_registered)
        {
            _state = KernelState.Stopped;
        }

        if (throwOnError && errors.Count > 0)
        {
            throw new AggregateException("One or more plugins failed to stop cleanly.", errors);
        }
    }

    private static async Task RunPhaseAsync(IPlugin plugin, string phase, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not PluginException and not OperationCanceledException)
        {
            throw new PluginLifecycleException(plugin.Name, phase, ex);
        }
    }

    // Depth-first topological sort that visits plugins in registration order, so independent plugins keep it.
    private static List<IPlugin> ResolveOrder(List<IPlugin> plugins)
    {
        var byName = plugins.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var order = new List<IPlugin>(plugins.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false = visiting, true = done
        var path = new Stack<string>();

        void Visit(IPlugin plugin)
        {
            if (state.TryGetValue(plugin.Name, out var done))
            {
                if (!done)
                {
                    var cycle = path.Reverse().SkipWhile(n => n != plugin.Name).Append(plugin.Name);
                    throw new PluginDependencyException($"Plugin dependencies form a cycle: {string.Join(" -> ", cycle)}.");
                }

                return;
            }

            state[plugin.Name] = false;
            path.Push(plugin.Name);
            foreach (var dependency in plugin.Dependencies ?? [])
            {
                if (!byName.TryGetValue(dependency, out var required))
                {
                    throw new PluginDependencyException(
                        $"Plugin '{plugin.Name}' depends on '{dependency}', which is not registered.");
                }

                Visit(required);
            }

            path.Pop();
            state[plugin.Name] = true;
            order.Add(plugin);
        }

        foreach (var plugin in plugins)
        {
            Visit(plugin);
        }

        return order;
    }
}
