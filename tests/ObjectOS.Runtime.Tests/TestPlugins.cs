namespace ObjectOS.Runtime.Tests;

/// <summary>An ordered record of lifecycle calls such as <c>init:a</c>, <c>start:a</c>, <c>stop:a</c>, <c>dispose:a</c>.</summary>
internal sealed class EventLog
{
    private readonly List<string> _events = [];

    public void Add(string entry)
    {
        lock (_events)
        {
            _events.Add(entry);
        }
    }

    public IReadOnlyList<string> Events
    {
        get { lock (_events) { return [.. _events]; } }
    }

    /// <summary>The plugin names recorded for one phase (<c>init</c>, <c>start</c>, <c>stop</c>, <c>dispose</c>), in order.</summary>
    public IReadOnlyList<string> Of(string phase)
    {
        var prefix = phase + ":";
        return [.. Events.Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e[prefix.Length..])];
    }
}

/// <summary>A plugin that records its lifecycle calls and runs optional hooks in each of them.</summary>
internal class TestPlugin(string name, EventLog log, params string[] dependencies) : IPlugin
{
    private readonly List<IPluginContext> _contexts = [];

    public string Name => name;

    public string Version => "1.0.0";

    public IReadOnlyList<string> Dependencies => dependencies;

    public Func<IPluginContext, Task>? OnInit { get; init; }

    public Func<IPluginContext, Task>? OnStart { get; init; }

    public Func<IPluginContext, Task>? OnStop { get; init; }

    /// <summary>Every context the kernel passed in, one per lifecycle call.</summary>
    public IReadOnlyList<IPluginContext> Contexts => _contexts;

    protected EventLog Log => log;

    public async Task InitAsync(IPluginContext context)
    {
        _contexts.Add(context);
        log.Add($"init:{name}");
        if (OnInit is not null)
        {
            await OnInit(context);
        }
    }

    public async Task StartAsync(IPluginContext context)
    {
        _contexts.Add(context);
        log.Add($"start:{name}");
        if (OnStart is not null)
        {
            await OnStart(context);
        }
    }

    public async Task StopAsync(IPluginContext context)
    {
        _contexts.Add(context);
        log.Add($"stop:{name}");
        if (OnStop is not null)
        {
            await OnStop(context);
        }
    }
}

/// <summary>A recording plugin that is <see cref="IDisposable"/>.</summary>
internal sealed class DisposablePlugin(string name, EventLog log, params string[] dependencies)
    : TestPlugin(name, log, dependencies), IDisposable
{
    public Action? OnDispose { get; init; }

    public void Dispose()
    {
        Log.Add($"dispose:{Name}");
        OnDispose?.Invoke();
    }
}

/// <summary>A recording plugin that is <see cref="IAsyncDisposable"/>.</summary>
internal sealed class AsyncDisposablePlugin(string name, EventLog log, params string[] dependencies)
    : TestPlugin(name, log, dependencies), IAsyncDisposable
{
    public Func<ValueTask>? OnDispose { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Log.Add($"dispose:{Name}");
        if (OnDispose is not null)
        {
            await OnDispose();
        }
    }
}

/// <summary>A plugin that is both; the kernel should prefer the asynchronous disposal.</summary>
internal sealed class DualDisposablePlugin(string name, EventLog log) : TestPlugin(name, log), IDisposable, IAsyncDisposable
{
    public void Dispose() => Log.Add($"dispose-sync:{Name}");

    public ValueTask DisposeAsync()
    {
        Log.Add($"dispose:{Name}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>A plugin that implements only the required members, relying on the default StartAsync/StopAsync/Dependencies.</summary>
internal sealed class MinimalPlugin(string name) : IPlugin
{
    public string Name => name;

    public string Version => "0.0.1";

    public int InitCalls { get; private set; }

    public IPluginContext? Context { get; private set; }

    public Task InitAsync(IPluginContext context)
    {
        InitCalls++;
        Context = context;
        return Task.CompletedTask;
    }
}

/// <summary>A plugin whose InitAsync throws synchronously instead of returning a faulted task.</summary>
internal sealed class SyncThrowingPlugin(string name, Exception error) : IPlugin
{
    public string Name => name;

    public string Version => "1.0.0";

    public Task InitAsync(IPluginContext context) => throw error;
}

/// <summary>A plugin whose Dependencies property returns null, which the kernel should treat as none.</summary>
internal sealed class NullDependenciesPlugin(string name, EventLog log) : IPlugin
{
    public string Name => name;

    public string Version => "1.0.0";

    public IReadOnlyList<string> Dependencies => null!;

    public Task InitAsync(IPluginContext context)
    {
        log.Add($"init:{name}");
        return Task.CompletedTask;
    }
}

/// <summary>A service that remembers which consumer it was resolved for.</summary>
internal sealed record ConsumerBoundService(ServiceConsumer Consumer);

/// <summary>A service type used as a shared singleton in the service tests.</summary>
internal sealed class Counter
{
    public int Value { get; set; }
}
