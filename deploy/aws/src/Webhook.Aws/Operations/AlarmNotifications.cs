using Amazon.CDK.AWS.CloudWatch;

namespace Webhook.Aws.Operations;

static class AlarmNotifications
{
    /// <summary>Tells the topic when the alarm fires and when it is over.</summary>
    public static Alarm Notify(this Alarm alarm, IAlarmAction action)
    {
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        return alarm;
    }
}
