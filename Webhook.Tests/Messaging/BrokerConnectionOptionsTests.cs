using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook.Messaging;

namespace Webhook.Tests.Messaging;

/// <summary>The broker's connection string, as both hosts bind and validate it at start.</summary>
public class BrokerConnectionOptionsTests
{
    static void Validate(string? connectionString)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [BrokerConnectionOptions.Key] = connectionString })
            .Build());
        services.AddBrokerOptions();
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Should_name_the_key_when_the_connection_string_is_missing()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(null));

        Assert.Contains($"{BrokerConnectionOptions.Key} is not set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a uri")]
    [InlineData("http://127.0.0.1/")]
    public void Should_name_the_key_when_the_connection_string_is_not_an_amqp_uri(string connectionString)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(connectionString));

        Assert.Contains(BrokerConnectionOptions.Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_give_the_uri_of_a_valid_connection_string()
    {
        Validate("amqps://webhook:secret@broker.example:5671/");

        Assert.Equal(new Uri("amqps://webhook:secret@broker.example:5671/"), new BrokerConnectionOptions { RabbitMq = "amqps://webhook:secret@broker.example:5671/" }.ToUri());
    }
}
