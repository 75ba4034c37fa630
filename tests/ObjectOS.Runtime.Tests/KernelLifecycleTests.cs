namespace ObjectOS.Runtime.Tests;

public sealed class KernelLifecycleTests
{
    [Fact]
    public async Task Init_runs_for_every_plugin_before_any_start()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));
        await kernel.RegisterPluginAsync(new TestPlugin("b", log));
        await kernel.RegisterPluginAsync(new TestPlugin("c", log));

        await kernel.StartAsync();

        Assert.Equal(["init:a", "init:b", "init:c", "start:a", "start:b", "start:c"], log.Events);
    }

    [Fact]
    public async Task Without_dependencies_plugins_initialise_and_start_in_registration_order()
    {
        var log = new EventLog();
        string[] names = ["zeta", "alpha", "@objectos/storage", "mid", "com.acme.crm"];
        await using var kernel = new ObjectOSKernel();
        foreach (var name in names)
        {
            await kernel.RegisterPluginAsync(new TestPlugin(name, log));
        }

        await kernel.StartAsync();

        Assert.Equal(names, log.Of("init"));
        Assert.Equal(names, log.Of("start"));
    }

    [Fact]
    public async Task Stop_stops_in_reverse_init_order_then_disposes_in_reverse_order()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new AsyncDisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new TestPlugin("b", log)); // not disposable
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log));
        await kernel.RegisterPluginAsync(new AsyncDisposablePlugin("d", log));
        await kernel.StartAsync();

        await kernel.StopAsync();

        Assert.Equal(
            ["stop:d", "stop:c", "stop:b", "stop:a", "dispose:d", "dispose:c", "dispose:a"],
            log.Events.Skip(8));
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task Stop_follows_the_dependency_order_in_reverse_not_the_registration_order()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("app", log, "storage"));
        await kernel.RegisterPluginAsync(new DisposablePlugin("storage", log));
        await kernel.StartAsync();

        await kernel.StopAsync();

        Assert.Equal(["storage", "app"], log.Of("init"));
        Assert.Equal(["app", "storage"], log.Of("stop"));
        Assert.Equal(["app", "storage"], log.Of("dispose"));
    }

    [Fact]
    public async Task A_plugin_that_is_both_disposable_kinds_is_disposed_once_asynchronously()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DualDisposablePlugin("both", log));
        await kernel.StartAsync();

        await kernel.StopAsync();

        Assert.Equal(["both"], log.Of("dispose"));
        Assert.Empty(log.Of("dispose-sync"));
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task A_plugin_that_implements_only_InitAsync_works_with_the_default_start_and_stop()
    {
        var plugin = new MinimalPlugin("minimal");
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(plugin);

        await kernel.StartAsync();
        Assert.True(kernel.IsRunning);
        await kernel.StopAsync();

        Assert.Equal(1, plugin.InitCalls);
        Assert.False(kernel.IsRunning);
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task Default_interface_members_are_no_ops()
    {
        IPlugin plugin = new MinimalPlugin("minimal");
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(plugin);
        await kernel.StartAsync();
        var context = ((MinimalPlugin)plugin).Context!;

        Assert.Empty(plugin.Dependencies);
        Assert.True(plugin.StartAsync(context).IsCompletedSuccessfully);
        Assert.True(plugin.StopAsync(context).IsCompletedSuccessfully);
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task IsRunning_is_true_only_between_a_completed_start_and_stop()
    {
        var observed = new List<bool>();
        ObjectOSKernel kernel = new();
        var log = new EventLog();
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = _ => { observed.Add(kernel.IsRunning); return Task.CompletedTask; },
            OnStart = _ => { observed.Add(kernel.IsRunning); return Task.CompletedTask; },
            OnStop = _ => { observed.Add(kernel.IsRunning); return Task.CompletedTask; },
        });
        Assert.False(kernel.IsRunning);

        await kernel.StartAsync();
        Assert.True(kernel.IsRunning);

        await kernel.StopAsync();
        Assert.False(kernel.IsRunning);
        Assert.Equal([false, false], observed.Take(2));
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_before_start_is_a_no_op()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));

        await kernel.StopAsync();
        await kernel.StopAsync();

        Assert.Empty(log.Events);
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task StopAsync_twice_stops_and_disposes_only_once()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.StartAsync();

        await kernel.StopAsync();
        await kernel.StopAsync();

        Assert.Equal(["init:a", "start:a", "stop:a", "dispose:a"], log.Events);
    }

    [Fact]
    public async Task StartAsync_twice_throws_InvalidOperationException()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));
        await kernel.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => kernel.StartAsync());

        Assert.Equal(["a"], log.Of("init"));
        Assert.True(kernel.IsRunning);
    }

    [Fact]
    public async Task StartAsync_with_no_plugins_works()
    {
        await using var kernel = new ObjectOSKernel();

        await kernel.StartAsync();
        Assert.True(kernel.IsRunning);
        await kernel.StopAsync();

        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task DisposeAsync_stops_and_disposes_a_running_kernel()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new AsyncDisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log));
        await kernel.StartAsync();

        await kernel.DisposeAsync();

        Assert.Equal(["b", "a"], log.Of("stop"));
        Assert.Equal(["b", "a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task DisposeAsync_can_be_called_more_than_once()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.StartAsync();

        await kernel.DisposeAsync();
        await kernel.DisposeAsync();

        Assert.Equal(["a"], log.Of("dispose"));
    }

    [Fact]
    public async Task DisposeAsync_after_StopAsync_does_not_stop_again()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.StartAsync();
        await kernel.StopAsync();

        await kernel.DisposeAsync();

        Assert.Equal(["a"], log.Of("stop"));
        Assert.Equal(["a"], log.Of("dispose"));
    }

    [Fact]
    public async Task DisposeAsync_of_a_kernel_that_never_started_touches_no_plugin()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));

        await kernel.DisposeAsync();

        Assert.Empty(log.Events);
    }

    [Fact]
    public async Task Plugins_lists_the_registered_plugins_in_registration_order_as_a_snapshot()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        var a = new TestPlugin("a", log, "b");
        var b = new TestPlugin("b", log);
        await kernel.RegisterPluginAsync(a);
        var before = kernel.Plugins;
        await kernel.RegisterPluginAsync(b);

        Assert.Equal([a], before);
        Assert.Equal([a, b], kernel.Plugins);

        await kernel.StartAsync();
        Assert.Equal([a, b], kernel.Plugins);
    }

    [Fact]
    public async Task StoppingToken_is_live_while_running_and_cancelled_when_the_kernel_stops()
    {
        var log = new EventLog();
        bool? cancelledDuringStop = null;
        var plugin = new TestPlugin("p", log)
        {
            OnStop = ctx => { cancelledDuringStop = ctx.StoppingToken.IsCancellationRequested; return Task.CompletedTask; },
        };
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(plugin);
        await kernel.StartAsync();
        var token = plugin.Contexts[0].StoppingToken;
        Assert.True(token.CanBeCanceled);
        Assert.False(token.IsCancellationRequested);

        await kernel.StopAsync();

        Assert.True(token.IsCancellationRequested);
        Assert.True(cancelledDuringStop);
    }

    [Fact]
    public async Task A_background_loop_on_the_StoppingToken_ends_when_the_kernel_stops()
    {
        var log = new EventLog();
        Task? loop = null;
        var plugin = new TestPlugin("worker", log)
        {
            OnStart = ctx =>
            {
                loop = Task.Delay(Timeout.Infinite, ctx.StoppingToken);
                return Task.CompletedTask;
            },
            OnStop = async _ =>
            {
                try
                {
                    await loop!;
                }
                catch (OperationCanceledException)
                {
                    log.Add("loop-ended");
                }
            },
        };
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(plugin);
        await kernel.StartAsync();
        Assert.False(loop!.IsCompleted);

        await kernel.StopAsync();

        Assert.True(loop.IsCanceled);
        Assert.Contains("loop-ended", log.Events);
    }

    [Fact]
    public async Task StartAsync_with_an_already_cancelled_token_initialises_nothing()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kernel.StartAsync(new CancellationToken(canceled: true)));

        Assert.Empty(log.Events);
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task StartAsync_cancelled_between_plugins_rolls_back_the_initialised_ones()
    {
        var log = new EventLog();
        using var cts = new CancellationTokenSource();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log)
        {
            OnInit = _ => cts.CancelAsync(),
        });
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kernel.StartAsync(cts.Token));

        Assert.Equal(["init:a", "stop:a", "dispose:a"], log.Events);
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task Each_plugin_gets_its_own_context_named_after_it_and_the_same_one_in_every_phase()
    {
        var log = new EventLog();
        var a = new TestPlugin("a", log);
        var b = new TestPlugin("@objectos/b", log);
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(a);
        await kernel.RegisterPluginAsync(b);

        await kernel.StartAsync();
        await kernel.StopAsync();

        Assert.Equal(3, a.Contexts.Count);
        Assert.All(a.Contexts, c => Assert.Equal("a", c.PluginName));
        Assert.All(b.Contexts, c => Assert.Equal("@objectos/b", c.PluginName));
        Assert.All(a.Contexts, c => Assert.Same(a.Contexts[0], c));
        Assert.All(b.Contexts, c => Assert.Same(b.Contexts[0], c));
        Assert.NotSame(a.Contexts[0], b.Contexts[0]);
        await kernel.DisposeAsync();
    }
}
