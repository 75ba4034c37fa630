namespace ObjectOS.Runtime.Tests;

public sealed class KernelDependencyTests
{
    [Fact]
    public async Task A_declared_dependency_initialises_first_even_when_registered_later()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("my-plugin", log, "storage"));
        await kernel.RegisterPluginAsync(new TestPlugin("storage", log));

        await kernel.StartAsync();

        Assert.Equal(["storage", "my-plugin"], log.Of("init"));
        Assert.Equal(["storage", "my-plugin"], log.Of("start"));
    }

    [Fact]
    public async Task Transitive_dependencies_are_initialised_in_chain_order()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("c", log, "b"));
        await kernel.RegisterPluginAsync(new TestPlugin("b", log, "a"));
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));

        await kernel.StartAsync();

        Assert.Equal(["a", "b", "c"], log.Of("init"));
    }

    [Fact]
    public async Task Plugins_unrelated_to_a_dependency_keep_their_registration_order()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("x", log));
        await kernel.RegisterPluginAsync(new TestPlugin("z", log, "y"));
        await kernel.RegisterPluginAsync(new TestPlugin("y", log));
        await kernel.RegisterPluginAsync(new TestPlugin("w", log));

        await kernel.StartAsync();

        Assert.Equal(["x", "y", "z", "w"], log.Of("init"));
    }

    [Fact]
    public async Task A_diamond_initialises_every_plugin_once_after_all_its_dependencies()
    {
        var log = new EventLog();
        var plugins = new Dictionary<string, string[]>
        {
            ["d"] = ["b", "c"],
            ["c"] = ["a"],
            ["b"] = ["a"],
            ["a"] = [],
        };
        await using var kernel = new ObjectOSKernel();
        foreach (var (name, deps) in plugins)
        {
            await kernel.RegisterPluginAsync(new TestPlugin(name, log, deps));
        }

        await kernel.StartAsync();

        var order = log.Of("init");
        Assert.Equal(["a", "b", "c", "d"], order.Order(StringComparer.Ordinal));
        foreach (var (name, deps) in plugins)
        {
            Assert.All(deps, dep => Assert.True(
                order.ToList().IndexOf(dep) < order.ToList().IndexOf(name), $"{dep} must initialise before {name}: {string.Join(",", order)}"));
        }

        Assert.Equal(order, log.Of("start"));
    }

    [Fact]
    public async Task A_dependency_listed_twice_is_still_initialised_once()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("app", log, "storage", "storage"));
        await kernel.RegisterPluginAsync(new TestPlugin("storage", log));

        await kernel.StartAsync();

        Assert.Equal(["storage", "app"], log.Of("init"));
    }

    [Fact]
    public async Task Null_Dependencies_means_none()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new NullDependenciesPlugin("a", log));
        await kernel.RegisterPluginAsync(new NullDependenciesPlugin("b", log));

        await kernel.StartAsync();

        Assert.Equal(["a", "b"], log.Of("init"));
    }

    [Fact]
    public async Task A_missing_dependency_throws_naming_both_plugins_and_initialises_nothing()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("first", log));
        await kernel.RegisterPluginAsync(new TestPlugin("my-plugin", log, "storage"));

        var ex = await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        Assert.Contains("'my-plugin'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<PluginException>(ex);
        Assert.Empty(log.Events);
        Assert.False(kernel.IsRunning);
    }

    [Fact]
    public async Task Dependency_names_are_case_sensitive()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("Storage", log));
        await kernel.RegisterPluginAsync(new TestPlugin("app", log, "storage"));

        var ex = await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_two_plugin_cycle_throws_naming_both_plugins()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("alpha", log, "beta"));
        await kernel.RegisterPluginAsync(new TestPlugin("beta", log, "alpha"));

        var ex = await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        Assert.Contains("alpha", ex.Message, StringComparison.Ordinal);
        Assert.Contains("beta", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(log.Events);
    }

    [Fact]
    public async Task A_longer_cycle_names_its_path_and_unrelated_plugins_are_not_initialised()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("free", log));
        await kernel.RegisterPluginAsync(new TestPlugin("entry", log, "p1"));
        await kernel.RegisterPluginAsync(new TestPlugin("p1", log, "p2"));
        await kernel.RegisterPluginAsync(new TestPlugin("p2", log, "p3"));
        await kernel.RegisterPluginAsync(new TestPlugin("p3", log, "p1"));

        var ex = await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        Assert.Contains("p1 -> p2 -> p3 -> p1", ex.Message, StringComparison.Ordinal);
        Assert.Empty(log.Events);
    }

    [Fact]
    public async Task A_plugin_depending_on_itself_is_a_cycle()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("narcissus", log, "narcissus"));

        var ex = await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        Assert.Contains("narcissus", ex.Message, StringComparison.Ordinal);
        Assert.Empty(log.Events);
    }

    [Fact]
    public async Task After_a_dependency_error_the_missing_plugin_can_still_be_registered_and_the_kernel_started()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("app", log, "storage"));
        await Assert.ThrowsAsync<PluginDependencyException>(() => kernel.StartAsync());

        await kernel.RegisterPluginAsync(new TestPlugin("storage", log));
        await kernel.StartAsync();

        Assert.True(kernel.IsRunning);
        Assert.Equal(["storage", "app"], log.Of("init"));
    }
}
