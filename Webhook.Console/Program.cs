using Webhook.Console.Extensions;
using Webhook.ServiceDefaults;

// The image's health check runs this binary with --probe-liveness (its runtime has no shell or curl).
LivenessProbe.ExitIfRequested(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookConsole();

var app = builder.Build();

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapWebhookConsole();

app.Run();
