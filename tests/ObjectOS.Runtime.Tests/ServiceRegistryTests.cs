namespace ObjectOS.Runtime.Tests;

public sealed class ServiceRegistryTests
{
    [Fact]
    public async Task A_service_registered_by_a_plugin_is_shared_with_dependent_plugins_and_the_host()
    {
        var log = new EventLog();
        var counter = new Counter();
        Counter? seenByConsumer = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("consumer", log, "provider")
        {
            OnInit = ctx => { seenByConsumer = ctx.GetService<Counter>("counter"); return Task.CompletedTask; },
        });
        await kernel.RegisterPluginAsync(new TestPlugin("provider", log)
        {
            OnInit = ctx => { ctx.RegisterService("counter", counter); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        Assert.Same(counter, seenByConsumer);
        Assert.Same(counter, kernel.GetService<Counter>("counter"));
    }

    [Fact]
    public async Task A_service_can_be_looked_up_by_a_base_type_or_interface()
    {
        var log = new EventLog();
        List<int> numbers = [1, 2, 3];
        IReadOnlyList<int>? seen = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx =>
            {
                ctx.RegisterService("numbers", numbers);
                seen = ctx.GetService<IReadOnlyList<int>>("numbers");
                return Task.CompletedTask;
            },
        });

        await kernel.StartAsync();

        Assert.Same(numbers, seen);
        Assert.Same(numbers, kernel.GetService<object>("numbers"));
    }

    [Fact]
    public async Task A_service_registered_by_the_host_before_start_is_visible_to_plugins()
    {
        var log = new EventLog();
        var counter = new Counter();
        Counter? seen = null;
        await using var kernel = new ObjectOSKernel();
        kernel.RegisterService("counter", counter);
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx => { seen = ctx.GetService<Counter>("counter"); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        Assert.Same(counter, seen);
    }

    [Fact]
    public async Task The_host_can_register_a_service_after_start_and_plugins_see_it_through_their_context()
    {
        var log = new EventLog();
        var plugin = new TestPlugin("p", log);
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(plugin);
        await kernel.StartAsync();
        var counter = new Counter();

        kernel.RegisterService("late", counter);

        Assert.Same(counter, plugin.Contexts[0].GetService<Counter>("late"));
    }

    [Fact]
    public async Task A_duplicate_registration_between_plugins_names_the_service_and_both_owners()
    {
        var log = new EventLog();
        Exception? error = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("first-owner", log)
        {
            OnInit = ctx => { ctx.RegisterService("storage", new Counter()); return Task.CompletedTask; },
        });
        await kernel.RegisterPluginAsync(new TestPlugin("second-owner", log)
        {
            OnInit = ctx => { error = Record.Exception(() => ctx.RegisterService("storage", new Counter())); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        var ex = Assert.IsType<ServiceAlreadyRegisteredException>(error);
        Assert.Equal("storage", ex.ServiceName);
        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'first-owner'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'second-owner'", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.IndexOf("first-owner", StringComparison.Ordinal) < ex.Message.IndexOf("second-owner", StringComparison.Ordinal));
        Assert.IsAssignableFrom<PluginException>(ex);
    }

    [Fact]
    public async Task A_duplicate_registration_keeps_the_first_service()
    {
        var log = new EventLog();
        var first = new Counter { Value = 1 };
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log)
        {
            OnInit = ctx =>
            {
                ctx.RegisterService("counter", first);
                Assert.Throws<ServiceAlreadyRegisteredException>(() => ctx.RegisterService("counter", new Counter { Value = 2 }));
                Assert.Throws<ServiceAlreadyRegisteredException>(() => ctx.RegisterService("counter", _ => new Counter { Value = 3 }));
                return Task.CompletedTask;
            },
        });

        await kernel.StartAsync();

        Assert.Same(first, kernel.GetService<Counter>("counter"));
    }

    [Fact]
    public async Task A_plugin_registering_a_name_the_host_took_names_the_host_and_the_plugin()
    {
        var log = new EventLog();
        Exception? error = null;
        await using var kernel = new ObjectOSKernel();
        kernel.RegisterService("config", new Counter());
        await kernel.RegisterPluginAsync(new TestPlugin("intruder", log)
        {
            OnInit = ctx => { error = Record.Exception(() => ctx.RegisterService("config", new Counter())); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        var ex = Assert.IsType<ServiceAlreadyRegisteredException>(error);
        Assert.Contains("'config'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the host", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'intruder'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_registering_a_name_a_plugin_took_names_the_plugin_and_the_host()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("owner", log)
        {
            OnInit = ctx => { ctx.RegisterService("storage", new Counter()); return Task.CompletedTask; },
        });
        await kernel.StartAsync();

        var ex = Assert.Throws<ServiceAlreadyRegisteredException>(() => kernel.RegisterService("storage", new Counter()));

        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'owner'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the host", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_names_are_case_sensitive()
    {
        await using var kernel = new ObjectOSKernel();
        var lower = new Counter();
        var upper = new Counter();

        kernel.RegisterService("storage", lower);
        kernel.RegisterService("Storage", upper);

        Assert.Same(lower, kernel.GetService<Counter>("storage"));
        Assert.Same(upper, kernel.GetService<Counter>("Storage"));
    }

    [Fact]
    public async Task A_missing_service_throws_ServiceNotFoundException_naming_it_and_the_requesting_plugin()
    {
        var log = new EventLog();
        Exception? error = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("my-plugin", log)
        {
            OnInit = ctx => { error = Record.Exception(() => ctx.GetService<Counter>("storage")); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        var ex = Assert.IsType<ServiceNotFoundException>(error);
        Assert.Equal("storage", ex.ServiceName);
        Assert.Contains("'storage'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-plugin'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_service_asked_for_by_the_host_names_it()
    {
        await using var kernel = new ObjectOSKernel();

        var ex = Assert.Throws<ServiceNotFoundException>(() => kernel.GetService<Counter>("nope"));

        Assert.Equal("nope", ex.ServiceName);
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<PluginException>(ex);
    }

    [Fact]
    public async Task Asking_for_the_wrong_type_throws_InvalidCastException_naming_the_service()
    {
        var log = new EventLog();
        Exception? error = null;
        await using var kernel = new ObjectOSKernel();
        kernel.RegisterService("counter", new Counter());
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx => { error = Record.Exception(() => ctx.GetService<string>("counter")); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        var ex = Assert.IsType<InvalidCastException>(error);
        Assert.Contains("counter", ex.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Counter).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidCastException>(() => kernel.GetService<IDisposable>("counter"));
    }

    [Fact]
    public async Task TryGetService_reports_found_missing_and_wrong_type_without_throwing()
    {
        var log = new EventLog();
        var counter = new Counter();
        var results = new List<(bool Found, object? Service)>();
        await using var kernel = new ObjectOSKernel();
        kernel.RegisterService("counter", counter);
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx =>
            {
                results.Add((ctx.TryGetService<Counter>("counter", out var c), c));
                results.Add((ctx.TryGetService<Counter>("missing", out var m), m));
                results.Add((ctx.TryGetService<string>("counter", out var w), w));
                return Task.CompletedTask;
            },
        });

        await kernel.StartAsync();

        Assert.Equal([(true, counter), (false, null), (false, null)], results);
        Assert.True(kernel.TryGetService<Counter>("counter", out var hostCounter));
        Assert.Same(counter, hostCounter);
        Assert.False(kernel.TryGetService<Counter>("missing", out var missing));
        Assert.Null(missing);
        Assert.False(kernel.TryGetService<string>("counter", out var wrong));
        Assert.Null(wrong);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public async Task Blank_service_names_are_rejected(string? name)
    {
        var log = new EventLog();
        var errors = new List<Exception?>();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx =>
            {
                errors.Add(Record.Exception(() => ctx.RegisterService(name!, new Counter())));
                errors.Add(Record.Exception(() => ctx.RegisterService(name!, _ => new Counter())));
                errors.Add(Record.Exception(() => ctx.GetService<Counter>(name!)));
                return Task.CompletedTask;
            },
        });

        await kernel.StartAsync();

        Assert.All(errors, e => Assert.IsAssignableFrom<ArgumentException>(e));
        Assert.IsAssignableFrom<ArgumentException>(Record.Exception(() => kernel.RegisterService(name!, new Counter())));
        Assert.IsAssignableFrom<ArgumentException>(Record.Exception(() => kernel.GetService<Counter>(name!)));
    }

    [Fact]
    public async Task Null_services_and_factories_are_rejected()
    {
        var log = new EventLog();
        var errors = new List<Exception?>();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx =>
            {
                errors.Add(Record.Exception(() => ctx.RegisterService<Counter>("a", (Counter)null!)));
                errors.Add(Record.Exception(() => ctx.RegisterService<Counter>("b", (Func<ServiceConsumer, Counter>)null!)));
                return Task.CompletedTask;
            },
        });

        await kernel.StartAsync();

        Assert.All(errors, e => Assert.IsType<ArgumentNullException>(e));
        Assert.Throws<ArgumentNullException>(() => kernel.RegisterService<Counter>("c", null!));
        Assert.False(kernel.TryGetService<Counter>("a", out _));
        Assert.False(kernel.TryGetService<Counter>("c", out _));
    }

    [Fact]
    public async Task A_factory_that_returns_null_gives_a_clear_error_not_a_NullReferenceException()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("p", log)
        {
            OnInit = ctx => { ctx.RegisterService<Counter>("broken", _ => null!); return Task.CompletedTask; },
        });
        await kernel.StartAsync();

        var ex = Record.Exception(() => kernel.GetService<Counter>("broken"));

        Assert.NotNull(ex);
        Assert.IsNotType<NullReferenceException>(ex);
        Assert.Contains("broken", ex.Message, StringComparison.Ordinal);
        Assert.False(kernel.TryGetService<Counter>("broken", out _));
    }
}
