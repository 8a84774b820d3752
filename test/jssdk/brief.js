// The product brief's client code, verbatim in spirit: the AWS SDK for JavaScript v2 starts an
// execution with new AWS.StepFunctions().startExecution({stateMachineArn, input}); only the
// endpoint points at Stepflow. Prints one JSON line with what the test checks.
const AWS = require("aws-sdk");
const fs = require("fs");

const endpoint = process.env.STEPFLOW_ENDPOINT;
AWS.config.update({
  region: "us-east-1",
  accessKeyId: "test",
  secretAccessKey: "test",
  endpoint,
});

async function main() {
  const sfn = new AWS.StepFunctions();
  const definition = fs.readFileSync(process.env.DEFINITION_FILE, "utf8");
  const { stateMachineArn } = await sfn
    .createStateMachine({ name: "brief-choice", definition, roleArn: "arn:aws:iam::123456789012:role/brief" })
    .promise();
  const params = { stateMachineArn, input: JSON.stringify({ conditionVariable: true }) };
  const started = await new AWS.StepFunctions().startExecution(params).promise();
  let described;
  for (let i = 0; i < 200; i++) {
    described = await sfn.describeExecution({ executionArn: started.executionArn }).promise();
    if (described.status !== "RUNNING") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  let missingError = "";
  try {
    await sfn.describeExecution({ executionArn: stateMachineArn.replace(":stateMachine:", ":execution:") + ":nope" }).promise();
  } catch (e) {
    missingError = e.code;
  }
  console.log(JSON.stringify({ status: described.status, output: described.output, missingError }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
