using Amazon.CDK;
using Webhook.Aws;

// cdk.json runs this from deploy/aws; `cdk synth` writes the templates to cdk.out, `cdk deploy --all` deploys them.
var app = new App();
var settings = WebhookSettings.FromContext(app, WebhookApp.FindRepositoryRoot(Directory.GetCurrentDirectory()));
WebhookApp.Define(app, settings, new Amazon.CDK.Environment
{
    Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
    Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
});
app.Synth();
