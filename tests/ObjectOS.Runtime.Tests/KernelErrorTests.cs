namespace ObjectOS.Runtime.Tests;

public sealed class KernelErrorTests
{
    private static IEnumerable<string> Without(EventLog log, string plugin)
        => log.Events.Where(e => !e.EndsWith(":" + plugin, StringComparison.Ordinal));

    [Fact]
    public async Task An_InitAsync_failure_throws_PluginLifecycleException_naming_the_plugin()
    {
        var log = new EventLog();
        var boom = new InvalidOperationException("boom");
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));
        await kernel.RegisterPluginAsync(new TestPlugin("bad", log) { OnInit = _ => throw boom });

        var ex = await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        Assert.Equal("bad", ex.PluginName);
        Assert.Equal("InitAsync", ex.Phase);
        Assert.Same(boom, ex.InnerException);
        Assert.Contains("'bad'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("InitAsync", ex.Message, StringComparison.Ordinal);
        Assert.Contains("boom", ex.Message, StringComparison.Ordinal);
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task A_synchronously_throwing_InitAsync_is_reported_the_same_way()
    {
        var boom = new FormatException("sync boom");
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new SyncThrowingPlugin("sync", boom));

        var ex = await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        Assert.Equal("sync", ex.PluginName);
        Assert.Equal("InitAsync", ex.Phase);
        Assert.Same(boom, ex.InnerException);
    }

    [Fact]
    public async Task An_InitAsync_failure_rolls_back_the_initialised_plugins_in_reverse_order()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new AsyncDisposablePlugin("b", log));
        await kernel.RegisterPluginAsync(new TestPlugin("bad", log) { OnInit = _ => throw new InvalidOperationException("boom") });
        await kernel.RegisterPluginAsync(new DisposablePlugin("later", log));

        await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        Assert.Equal(
            ["init:a", "init:b", "stop:b", "stop:a", "dispose:b", "dispose:a"],
            Without(log, "bad"));
        Assert.Empty(log.Of("start"));
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task After_a_failed_start_StopAsync_and_DisposeAsync_do_not_stop_again()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new TestPlugin("bad", log) { OnInit = _ => throw new InvalidOperationException("boom") });
        await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        await kernel.StopAsync();
        await kernel.DisposeAsync();

        Assert.Equal(["a"], Without(log, "bad").Where(e => e.StartsWith("stop:", StringComparison.Ordinal)).Select(e => e[5..]));
        Assert.Equal(["a"], log.Of("dispose"));
    }

    [Fact]
    public async Task The_rollback_keeps_the_original_error_when_a_plugin_also_fails_to_stop()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log) { OnStop = _ => throw new InvalidOperationException("stop failed") });
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log) { OnDispose = () => throw new InvalidOperationException("dispose failed") });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log) { OnStop = ctx => Task.FromCanceled(ctx.StoppingToken) });
        await kernel.RegisterPluginAsync(new TestPlugin("bad", log) { OnInit = _ => throw new InvalidOperationException("boom") });

        var ex = await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        Assert.Equal("bad", ex.PluginName);
        Assert.Equal(["c", "b", "a"], log.Of("stop").Where(n => n != "bad"));
        Assert.Equal(["c", "b", "a"], log.Of("dispose"));
    }

    [Fact]
    public async Task A_StartAsync_failure_throws_PluginLifecycleException_and_stops_and_disposes_every_initialised_plugin()
    {
        var log = new EventLog();
        var boom = new InvalidOperationException("start boom");
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log) { OnStart = _ => throw boom });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log));

        var ex = await Assert.ThrowsAsync<PluginLifecycleException>(() => kernel.StartAsync());

        Assert.Equal("b", ex.PluginName);
        Assert.Equal("StartAsync", ex.Phase);
        Assert.Same(boom, ex.InnerException);
        Assert.Equal(["a", "b", "c"], log.Of("init"));
        Assert.Equal(["a", "b"], log.Of("start"));
        Assert.Contains("stop:a", log.Events);
        Assert.Equal(["c", "b", "a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task Stop_continues_after_a_failing_plugin_and_throws_AggregateException_afterwards()
    {
        var log = new EventLog();
        var boom = new InvalidOperationException("stop boom");
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log) { OnStop = _ => throw boom });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log));
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => kernel.StopAsync());

        var inner = Assert.IsType<PluginLifecycleException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal("b", inner.PluginName);
        Assert.Equal("StopAsync", inner.Phase);
        Assert.Same(boom, inner.InnerException);
        Assert.Equal(["c", "b", "a"], log.Of("stop"));
        Assert.Equal(["c", "b", "a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);

        await kernel.StopAsync(); // already stopped: a no-op, no second error
        await kernel.DisposeAsync();
        Assert.Equal(3, log.Of("stop").Count);
    }

    [Fact]
    public async Task Every_stop_and_dispose_failure_is_reported_in_stop_order()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log) { OnStop = _ => throw new InvalidOperationException("a stop") });
        await kernel.RegisterPluginAsync(new AsyncDisposablePlugin("b", log) { OnDispose = () => throw new InvalidOperationException("b dispose") });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log) { OnStop = _ => throw new InvalidOperationException("c stop") });
        await kernel.RegisterPluginAsync(new DisposablePlugin("d", log) { OnDispose = () => throw new InvalidOperationException("d dispose") });
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => kernel.StopAsync());

        var errors = ex.InnerExceptions.Cast<PluginLifecycleException>().Select(e => $"{e.PluginName}/{e.Phase}/{e.InnerException!.Message}");
        Assert.Equal(
            ["c/StopAsync/c stop", "a/StopAsync/a stop", "d/DisposeAsync/d dispose", "b/DisposeAsync/b dispose"],
            errors);
        Assert.Equal(["d", "c", "b", "a"], log.Of("stop"));
        Assert.Equal(["d", "c", "b", "a"], log.Of("dispose"));
    }

    [Fact]
    public async Task A_StopAsync_that_throws_OperationCanceledException_does_not_abort_the_shutdown()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log)
        {
            OnStop = ctx => Task.Delay(Timeout.Infinite, ctx.StoppingToken), // already cancelled: throws at once
        });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log));
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => kernel.StopAsync());

        var inner = Assert.IsType<PluginLifecycleException>(Assert.Single(ex.InnerExceptions));
        Assert.Equal("b", inner.PluginName);
        Assert.IsAssignableFrom<OperationCanceledException>(inner.InnerException);
        Assert.Equal(["c", "b", "a"], log.Of("stop"));
        Assert.Equal(["c", "b", "a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task A_StopAsync_that_throws_a_kernel_exception_does_not_abort_the_shutdown()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log)
        {
            OnStop = ctx => { ctx.GetService<Counter>("never-registered"); return Task.CompletedTask; },
        });
        await kernel.RegisterPluginAsync(new DisposablePlugin("c", log));
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => kernel.StopAsync());

        var error = Assert.Single(ex.InnerExceptions);
        Assert.Contains("never-registered", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["c", "b", "a"], log.Of("stop"));
        Assert.Equal(["c", "b", "a"], log.Of("dispose"));
    }

    [Fact]
    public async Task A_throwing_StoppingToken_callback_does_not_prevent_plugins_from_stopping()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log)
        {
            OnStart = ctx =>
            {
                ctx.StoppingToken.Register(() => throw new InvalidOperationException("callback boom"));
                return Task.CompletedTask;
            },
        });
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log));
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<AggregateException>(() => kernel.StopAsync());

        Assert.Contains("callback boom", ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(["b", "a"], log.Of("stop"));
        Assert.Equal(["b", "a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task DisposeAsync_reports_stop_failures_but_still_completes_the_shutdown()
    {
        var log = new EventLog();
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new DisposablePlugin("b", log) { OnStop = _ => throw new InvalidOperationException("stop boom") });
        await kernel.StartAsync();

        await Assert.ThrowsAsync<AggregateException>(async () => await kernel.DisposeAsync());
        await kernel.DisposeAsync();

        Assert.Equal(["b", "a"], log.Of("stop"));
        Assert.Equal(["b", "a"], log.Of("dispose"));
    }

    [Fact]
    public async Task A_plugin_that_needs_a_missing_service_fails_the_start_with_an_error_naming_it_and_the_plugin()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new DisposablePlugin("a", log));
        await kernel.RegisterPluginAsync(new TestPlugin("consumer", log)
        {
            OnInit = ctx => { ctx.GetService<Counter>("storage"); return Task.CompletedTask; },
        });

        var ex = await Assert.ThrowsAnyAsync<PluginException>(() => kernel.StartAsync());

        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'consumer'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], log.Of("dispose"));
        Assert.False(kernel.IsRunning);
    }
}
