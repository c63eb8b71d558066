/**
 * What examples/existing-infrastructure expects to exist before it is applied, created in the
 * harness's emulator: a VPC with two private subnets, the database's security group, the role
 * on the throwaway PostgreSQL with its password in a SecureString parameter, an ECS cluster
 * with a Fargate service whose task definition reads that parameter, and an alarm topic.
 * Plus the example's variables, pointing the module at all of it.
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
import { ecs, putSecureString } from "../integration/support/aws";
import {
  createCluster,
  createService,
  registerTaskDefinition,
} from "../integration/support/ecs-emulator";
import { uniqueName, type Harness } from "../support/harness";

export interface ExistingInfrastructure {
  readonly role: string;
  readonly initialPassword: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly dbSecurityGroupId: string;
  readonly passwordParameter: string;
  /** Not created here: the function creates it on its first rotation. */
  readonly databaseUrlParameter: string;
  readonly cluster: string;
  readonly service: string;
  readonly alarmTopicArn: string;
  /** The example's variables (terraform.tfvars.json). */
  readonly variables: Record<string, unknown>;
}

export async function createExistingInfrastructure(h: Harness): Promise<ExistingInfrastructure> {
  const name = uniqueName("deploy");
  const ec2 = new EC2Client({});
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.77.0.0/16" }));
  const vpcId = Vpc?.VpcId ?? "";
  const subnetIds: string[] = [];
  for (const [index, zone] of ["a", "b"].entries()) {
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.77.${index}.0/24`,
        AvailabilityZone: `${h.aws.region}${zone}`,
      }),
    );
    subnetIds.push(Subnet?.SubnetId ?? "");
  }
  const { GroupId: dbSecurityGroupId = "" } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-db`,
      Description: "database",
      VpcId: vpcId,
    }),
  );
  ec2.destroy();

  const role = uniqueName("deploy_app");
  // Only in memory and in the SecureString; the server receives a SCRAM verifier.
  const initialPassword = randomBytes(24).toString("base64url");
  await h.createLoginRole(role, initialPassword);
  const passwordParameter = `/${name}/db/password`;
  await putSecureString(passwordParameter, initialPassword);

  const cluster = name;
  const service = "app";
  await createCluster(ecs(), cluster);
  const taskDefinition = await registerTaskDefinition(ecs(), `${name}-app`, [
    { name: "DB_PASSWORD", valueFrom: passwordParameter },
  ]);
  await createService(ecs(), cluster, {
    name: service,
    taskDefinition,
    awsvpc: { subnets: subnetIds, securityGroups: [dbSecurityGroupId] },
  });

  const sns = new SNSClient({});
  const { TopicArn: alarmTopicArn = "" } = await sns.send(
    new CreateTopicCommand({ Name: `${name}-alarms` }),
  );
  sns.destroy();

  const databaseUrlParameter = `/${name}/db/database-url`;
  return {
    role,
    initialPassword,
    vpcId,
    subnetIds,
    dbSecurityGroupId,
    passwordParameter,
    databaseUrlParameter,
    cluster,
    service,
    alarmTopicArn,
    variables: {
      region: h.aws.region,
      vpc_id: vpcId,
      private_subnet_ids: subnetIds,
      db_security_group_id: dbSecurityGroupId,
      // The name in the server certificate: the function verifies TLS as it would on RDS.
      db_host: h.host,
      db_port: h.port,
      db_name: h.database,
      db_username: role,
      db_ca_bundle_file: h.caFile,
      password_parameter_name: passwordParameter,
      database_url_parameter_name: databaseUrlParameter,
      ecs_cluster_name: cluster,
      ecs_service_names: [service],
      alarm_topic_arn: alarmTopicArn,
    },
  };
}
