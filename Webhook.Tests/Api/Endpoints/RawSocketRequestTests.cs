using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Endpoints;

/// <summary>
/// Framing that only a real socket can send: a Content-Length that lies or is missing, chunked bodies with bad
/// framing. The API runs on Kestrel on 127.0.0.1 with a port the system picks, and the requests are written byte by
/// byte; every status the connection answers is checked, including Kestrel's own for the bytes left over.
/// </summary>
public partial class RawSocketRequestTests(RawSocketRequestTests.Server server) : IClassFixture<RawSocketRequestTests.Server>
{
    const int MaxBodyBytes = 4096;
    const string Body = """{"emailId":"email-1001","eventType":"Opened"}""";

    public sealed class Server : IAsyncLifetime
    {
        public ApiFactory Factory { get; } = new(new()
        {
            ["Webhooks:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            ["Webhooks:RejectionRateLimit:Permits"] = "1000000",
        });

        public int Port { get; private set; }

        public Task InitializeAsync()
        {
            // StartServer starts every hosted service, the bus among them, so the harness must not start them again.
            Factory.UseKestrel(options =>
            {
                options.Listen(IPAddress.Loopback, 0);
                // A body that stops arriving is given up on after two seconds rather than five.
                options.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(2));
            });
            Factory.StartServer();
            var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Port = new Uri(address).Port;

            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    /// <summary>Headers of a correctly signed Standard Webhooks request for <paramref name="body"/>, CRLF-terminated.</summary>
    static string SignedHeaders(string body)
    {
        var request = Signing.StandardRequest(body);
        return string.Concat(request.Headers.Select(h => $"{h.Key}: {h.Value.Single()}\r\n"));
    }

    async Task<int[]> SendAsync(string head, byte[] body, bool halfClose = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
        if (halfClose)
            client.Client.Shutdown(SocketShutdown.Send);

        using var read = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
                read.Write(buffer, 0, n);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Kestrel resets a connection it refused; what it answered before is in the buffer.
        }
        return StatusLine().Matches(Encoding.ASCII.GetString(read.ToArray())).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
    }

    [GeneratedRegex(@"HTTP/1\.1 (\d{3}) ")]
    private static partial Regex StatusLine();

    int Published() => server.Factory.Harness.Published.Select<EmailEventReceived>().Count();

    async Task AssertAnswersAsync(int expectedFirst, string head, byte[] body, bool halfClose = false)
    {
        var before = Published();

        var statuses = await SendAsync(head, body, halfClose);

        Assert.NotEmpty(statuses);
        Assert.Equal(expectedFirst, statuses[0]);
        Assert.All(statuses, s => Assert.InRange(s, 200, 499));
        Assert.Equal(before, Published());
    }

    static string Head(string headers) => "POST /webhooks/email HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n" + headers + "\r\n";

    [Fact]
    public async Task Should_accept_a_correctly_framed_signed_request_over_the_socket()
    {
        var before = Published();

        var statuses = await SendAsync(Head(SignedHeaders(Body) + $"Content-Length: {Body.Length}\r\n"), Encoding.UTF8.GetBytes(Body));

        Assert.Equal([202], statuses);
        Assert.Equal(before + 1, Published());
    }

    [Fact]
    public async Task Should_answer_413_unread_when_content_length_claims_more_than_the_limit()
    {
        await AssertAnswersAsync(413, Head(SignedHeaders(Body) + "Content-Length: 1000000000\r\n"), Encoding.UTF8.GetBytes(Body));
    }

    [Fact]
    public async Task Should_answer_400_when_content_length_claims_more_than_ever_arrives()
    {
        await AssertAnswersAsync(400, Head(SignedHeaders(Body) + $"Content-Length: {Body.Length + 100}\r\n"), Encoding.UTF8.GetBytes(Body));
    }

    [Fact]
    public async Task Should_publish_nothing_when_the_client_leaves_before_its_declared_length()
    {
        var before = Published();

        var statuses = await SendAsync(Head(SignedHeaders(Body) + $"Content-Length: {Body.Length + 100}\r\n"), Encoding.UTF8.GetBytes(Body), halfClose: true);

        Assert.All(statuses, s => Assert.InRange(s, 400, 499));
        Assert.Equal(before, Published());
    }

    [Fact]
    public async Task Should_verify_only_the_declared_bytes_when_content_length_claims_less_than_is_sent()
    {
        // The signature is for the whole body; the request ends where Content-Length says, so it does not verify,
        // and Kestrel refuses the rest of the bytes as a malformed next request.
        await AssertAnswersAsync(401, Head(SignedHeaders(Body) + $"Content-Length: {Body.Length - 10}\r\n"), Encoding.UTF8.GetBytes(Body));
    }

    [Fact]
    public async Task Should_read_no_body_when_neither_content_length_nor_chunked_is_given()
    {
        // HTTP/1.1 without either has an empty body; the signature is for the bytes that follow, so it fails.
        await AssertAnswersAsync(401, Head(SignedHeaders(Body)), Encoding.UTF8.GetBytes(Body));
    }

    [Fact]
    public async Task Should_answer_413_when_a_chunked_body_grows_past_the_limit_whatever_it_announced()
    {
        var chunk = new string(' ', 1000);
        var chunks = string.Concat(Enumerable.Repeat($"{chunk.Length:x}\r\n{chunk}\r\n", 10)) + "0\r\n\r\n";

        await AssertAnswersAsync(413, Head(SignedHeaders(Body) + "Transfer-Encoding: chunked\r\n"), Encoding.ASCII.GetBytes(chunks));
    }

    [Fact]
    public async Task Should_refuse_chunked_framing_that_lies_about_a_chunks_size()
    {
        await AssertAnswersAsync(400, Head(SignedHeaders(Body) + "Transfer-Encoding: chunked\r\n"), Encoding.ASCII.GetBytes($"ffff\r\n{Body}\r\n0\r\n\r\n"));
    }

    [Fact]
    public async Task Should_frame_by_the_chunks_when_both_content_length_and_chunked_are_given()
    {
        // RFC 9112: Transfer-Encoding wins. What is verified is what the chunks framed, so a signed body is accepted
        // and a Content-Length that disagrees cannot smuggle other bytes past the signature.
        var before = Published();
        var chunked = Encoding.ASCII.GetBytes($"{Body.Length:x}\r\n{Body}\r\n0\r\n\r\n");

        var signed = await SendAsync(Head(SignedHeaders(Body) + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), chunked);
        var tampered = await SendAsync(Head(SignedHeaders(Body[..5]) + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), chunked);

        Assert.Equal([202], signed);
        Assert.Equal([401], tampered);
        Assert.Equal(before + 1, Published());
    }

    [Fact]
    public async Task Should_not_verify_when_a_bare_line_feed_splits_a_header_in_two()
    {
        var head = Head(SignedHeaders(Body).Replace("webhook-id: ", "webhook-id: msg_injected\nX-Injected: ", StringComparison.Ordinal) + $"Content-Length: {Body.Length}\r\n");

        await AssertAnswersAsync(401, head, Encoding.UTF8.GetBytes(Body));
    }

    [Fact]
    public async Task Should_refuse_a_header_value_that_is_not_ascii()
    {
        // Written as Latin-1: one byte 0xE9 in the header, as a client that does not encode in ASCII would send it.
        var head = Head(SignedHeaders(Body).Replace("webhook-id: ", "webhook-id: \u00e9", StringComparison.Ordinal) + $"Content-Length: {Body.Length}\r\n");

        await AssertAnswersAsync(400, head, Encoding.UTF8.GetBytes(Body));
    }
}
