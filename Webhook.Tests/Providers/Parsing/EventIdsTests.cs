using Webhook.Providers.Parsing;

namespace Webhook.Tests.Providers.Parsing;

public class EventIdsTests
{
    [Fact]
    public void Should_be_stable_for_the_same_name()
    {
        Assert.Equal(EventIds.FromDelivery("standard", "msg_1", 0), EventIds.FromDelivery("standard", "msg_1", 0));
    }

    [Theory]
    [InlineData("standard", "msg_1", 1)]
    [InlineData("standard", "msg_2", 0)]
    [InlineData("sendgrid", "msg_1", 0)]
    public void Should_differ_when_any_part_differs(string provider, string delivery, int index)
    {
        Assert.NotEqual(EventIds.FromDelivery("standard", "msg_1", 0), EventIds.FromDelivery(provider, delivery, index));
    }

    [Fact]
    public void Should_be_marked_as_an_rfc_9562_version_8_uuid()
    {
        var id = EventIds.Create("anything").ToString();

        Assert.Equal('8', id[14]);
        Assert.Contains(id[19], "89ab");
    }

    [Fact]
    public void Should_handle_long_names()
    {
        Assert.NotEqual(Guid.Empty, EventIds.Create(new string('x', 100_000)));
    }
}
