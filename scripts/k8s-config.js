#!/usr/bin/env node
// Writes the aws overlay's account-specific values from the CDK stack's outputs, so that nothing
// is copied by hand from `cdk deploy` into the manifests. Run by `make k8s-config`, after
// `make infra-deploy` and before `make deploy`.
//
// Usage: node scripts/k8s-config.js [--outputs infra-cdk/outputs.json] [--out k8s/overlays/aws/generated]
//          [--stack NAME] [--alb-subnets CIDR,CIDR] [--node-subnets CIDR,CIDR|none] [--vpc-cidr CIDR]
//          [--otlp-endpoint URL|none] [--redirect-http]
//
// Input: the file `cdk deploy --outputs-file` writes: {"<StackName>": {"ProductTableName", ...}}.
// The stack is the one given by --stack, else the only stack in the file with table outputs.
// Network facts come from the outputs ("AlbSubnetCidrs", "NodeSubnetCidrs", "VpcCidr") when the
// stack was deployed with them, else from the flags or $ALB_SUBNET_CIDRS / $NODE_SUBNET_CIDRS /
// $VPC_CIDR. The subnets are required; the VPC CIDR, when known, only checks that they lie in it.
//
// Output (read by k8s/overlays/aws/kustomization.yaml; the directory is git-ignored, since it
// holds account ids and ARNs):
//   config.env                 region, tables, AUTH_*, API_CURSOR_ARN, OTLP endpoint (the ConfigMap;
//                              nothing secret: the cursor key stays in Secrets Manager)
//   serviceaccount-patch.yaml  the IRSA role annotation, or none with EKS Pod Identity
//   networkpolicy-patch.yaml   who may connect to the pods, and where the pods may connect
//   ingress-patch.yaml         the ALB: HTTPS with the certificate, WAF, host rule, access logs;
//                              without a certificate an internal ALB (reachable only in the VPC)
// Every value is validated first; on any error nothing is written and the exit code is 1.
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')

const REQUIRED = ['ProductTableName', 'IdempotencyTableName', 'ServiceRoleArn', 'ServiceIdentity', 'Region',
  'CursorKeyArn', 'AuthIssuer', 'AuthAudience', 'AuthScopesRead', 'AuthScopesWrite', 'WebAclArn']
// The same rules AWS applies, so a typo fails here and not in a CrashLoopBackOff.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]{1,512}$/
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[\w-]{1,128}\/[0-9a-f-]{36}$/
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/
// A value of a ConfigMap is readable by anyone who may read the namespace: only plain words,
// URLs, ARNs and scope lists, never something shaped like a key.
const SAFE_VALUE = /^[\w.:/@,+= -]*$/
// TLS 1.3 and 1.2 with forward-secret AEAD ciphers only (the ALB's recommended policy).
const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06'
// The ADOT EKS add-on's "OTLP ingest" collector (advanced configuration collector.otlpIngest):
// the operator names its Service <name>-collector in the add-on's namespace; 4318 is OTLP/HTTP.
const DEFAULT_OTLP_ENDPOINT = 'http://adot-col-otlp-ingest-collector.opentelemetry-operator-system:4318'
// EKS Pod Identity agent (a DaemonSet on the node's link-local address); IMDS is never needed.
const POD_IDENTITY_AGENT = '169.254.170.23/32'
const INSTANCE_METADATA = '169.254.169.254/32'
const API_PORT = 8080
const ADMIN_PORT = 9080

function fail (message) {
  console.error(`k8s-config: ${message}`)
  process.exit(1)
}

function chooseStack (outputs, name) {
  if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) {
    fail('the outputs file must hold a JSON object keyed by stack name')
  }
  if (name) {
    if (!(name in outputs)) fail(`stack "${name}" is not in the outputs file (found: ${Object.keys(outputs).join(', ') || 'none'})`)
    return [name, outputs[name]]
  }
  const candidates = Object.entries(outputs).filter(([, values]) =>
    values && typeof values === 'object' && ['ProductTableName', 'IdempotencyTableName'].some((key) => key in values))
  if (candidates.length === 0) fail("no stack in the outputs file has table outputs; was it written by 'make infra-deploy'?")
  if (candidates.length > 1) fail(`several stacks have table outputs (${candidates.map(([n]) => n).join(', ')}): choose one with --stack`)
  return candidates[0]
}

function cidrProblem (value) {
  const m = CIDR.exec(value)
  if (m === null || !m.slice(1, 5).every((octet) => Number(octet) <= 255) || Number(m[5]) > 32) return `"${value}" is not an IPv4 CIDR`
  if (Number(m[5]) === 0) return `"${value}" is the whole internet, not a network of the cluster`
  return null
}

// Whether a CIDR is a smaller network inside another (both already checked by cidrProblem).
function strictlyInside (inner, outer) {
  const parse = (cidr) => {
    const [address, bits] = cidr.split('/')
    return [address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0), Number(bits)]
  }
  const [innerAddress, innerBits] = parse(inner)
  const [outerAddress, outerBits] = parse(outer)
  const block = 2 ** (32 - outerBits)
  return innerBits > outerBits && Math.floor(innerAddress / block) === Math.floor(outerAddress / block)
}

function list (value) {
  return (value || '').split(',').map((item) => item.trim()).filter((item) => item !== '')
}

function httpsUrl (value) {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' && url.hostname !== ''
  } catch {
    return false
  }
}

// Where the OTLP exporter connects, as a NetworkPolicy peer: a cluster Service name
// (<service>.<namespace>[.svc[.cluster.local]]) becomes its namespace.
function otlpPeer (endpoint) {
  let url
  try {
    url = new URL(endpoint)
  } catch {
    return { error: `OTLP endpoint "${endpoint}" is not a URL` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `OTLP endpoint "${endpoint}" must be http or https` }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const labels = url.hostname.split('.')
  const inCluster = labels.length === 2 || (labels.length >= 3 && labels[2] === 'svc')
  if (!inCluster) {
    if (port === 443) return { port, external: true }
    return { error: `OTLP endpoint "${endpoint}" is outside the cluster on port ${port}; egress allows 443 only (use https, or a collector Service <name>.<namespace>)` }
  }
  return { port, namespace: labels[1] }
}

function main () {
  let parsed
  try {
    parsed = parseArgs({
      options: {
        outputs: { type: 'string', default: 'infra-cdk/outputs.json' },
        out: { type: 'string', default: 'k8s/overlays/aws/generated' },
        stack: { type: 'string' },
        'vpc-cidr': { type: 'string', default: process.env.VPC_CIDR || '' },
        'alb-subnets': { type: 'string', default: process.env.ALB_SUBNET_CIDRS || '' },
        'node-subnets': { type: 'string', default: process.env.NODE_SUBNET_CIDRS || '' },
        'otlp-endpoint': { type: 'string', default: process.env.OTLP_ENDPOINT || DEFAULT_OTLP_ENDPOINT },
        'redirect-http': { type: 'boolean', default: ['1', 'true', 'yes'].includes(process.env.HTTP_REDIRECT || '') },
      },
    })
  } catch (err) {
    fail(`${err.message} (see the usage at the top of scripts/k8s-config.js)`)
  }
  const args = parsed.values

  let text
  try {
    text = fs.readFileSync(args.outputs, 'utf8')
  } catch (err) {
    fail(`cannot read ${args.outputs} (${err.code}): run 'make infra-deploy' first, or pass --outputs`)
  }
  let outputs
  try {
    outputs = JSON.parse(text)
  } catch (err) {
    fail(`${args.outputs} is not valid JSON: ${err.message}`)
  }

  const [stack, values] = chooseStack(outputs, args.stack)
  const missing = REQUIRED.filter((key) => typeof values[key] !== 'string' || values[key] === '')
  if (missing.length > 0) {
    fail(`stack "${stack}" lacks the output(s) ${missing.join(', ')}; deploy the current stack with 'make infra-deploy'`)
  }

  const errors = []
  const check = (ok, message) => { if (!ok) errors.push(message) }
  for (const key of ['ProductTableName', 'IdempotencyTableName']) {
    check(TABLE_NAME.test(values[key]), `${key} "${values[key]}" is not a valid DynamoDB table name`)
  }
  check(values.ProductNameIndexName === undefined || TABLE_NAME.test(values.ProductNameIndexName),
    `ProductNameIndexName "${values.ProductNameIndexName}" is not a valid index name`)
  check(ROLE_ARN.test(values.ServiceRoleArn), `ServiceRoleArn "${values.ServiceRoleArn}" is not an IAM role ARN`)
  check(['irsa', 'pod-identity'].includes(values.ServiceIdentity), `ServiceIdentity "${values.ServiceIdentity}" is neither irsa nor pod-identity`)
  check(REGION.test(values.Region), `Region "${values.Region}" is not an AWS region`)
  check(SECRET_ARN.test(values.CursorKeyArn), `CursorKeyArn "${values.CursorKeyArn}" is not a Secrets Manager secret ARN`)
  check(httpsUrl(values.AuthIssuer), `AuthIssuer "${values.AuthIssuer}" is not an https URL`)
  check(values.AuthJwksUrl === undefined || httpsUrl(values.AuthJwksUrl), `AuthJwksUrl "${values.AuthJwksUrl}" is not an https URL`)
  check(WEB_ACL_ARN.test(values.WebAclArn), `WebAclArn "${values.WebAclArn}" is not a regional WAFv2 web ACL ARN`)
  check(values.CertificateArn === undefined || CERTIFICATE_ARN.test(values.CertificateArn),
    `CertificateArn "${values.CertificateArn}" is not an ACM certificate ARN`)
  check(values.ApiDomainName === undefined || DOMAIN.test(values.ApiDomainName), `ApiDomainName "${values.ApiDomainName}" is not a DNS name`)
  check(values.AccessLogBucketName === undefined || BUCKET.test(values.AccessLogBucketName),
    `AccessLogBucketName "${values.AccessLogBucketName}" is not an S3 bucket name`)

  // Who may reach the pods. Not the VPC CIDR: with the VPC CNI every pod has a VPC address.
  const albSubnets = list(values.AlbSubnetCidrs || args['alb-subnets'])
  if (albSubnets.length === 0) {
    errors.push('no ALB subnet CIDRs (the only sources of API traffic): deploy the stack with -c albSubnetCidrs=..., or pass --alb-subnets / ALB_SUBNET_CIDRS ' +
      "(the subnets tagged kubernetes.io/role/elb, or kubernetes.io/role/internal-elb for an internal ALB: aws ec2 describe-subnets --filters Name=tag-key,Values=kubernetes.io/role/elb --query 'Subnets[].CidrBlock' --output text)")
  }
  for (const cidr of albSubnets) {
    const problem = cidrProblem(cidr)
    if (problem) errors.push(`ALB subnet ${problem}`)
  }
  const nodeSubnetsGiven = values.NodeSubnetCidrs || args['node-subnets']
  // "none" says that the cluster's network policy engine admits a node's own address to its pods
  // by itself (the EKS VPC CNI's agent does): then the policy names no subnet for the probes,
  // which is tighter, since with the VPC CNI the pods get addresses in the node subnets too.
  const nodeSubnets = nodeSubnetsGiven === 'none' ? [] : list(nodeSubnetsGiven)
  if (nodeSubnetsGiven !== 'none' && nodeSubnets.length === 0) {
    errors.push('no node subnet CIDRs (the kubelet probes the admin port from the nodes; the VPC CIDR would admit every pod): ' +
      'deploy the stack with -c nodeSubnetCidrs=... (make infra-deploy NODE_SUBNET_CIDRS=...), or pass --node-subnets / NODE_SUBNET_CIDRS ' +
      "(aws ec2 describe-subnets --subnet-ids $(aws eks describe-nodegroup --cluster-name CLUSTER --nodegroup-name NODEGROUP " +
      "--query 'nodegroup.subnets' --output text) --query 'Subnets[].CidrBlock' --output text), " +
      "or 'none' if the cluster's network policy engine admits a node's own address by itself (the EKS VPC CNI agent does)")
  }
  for (const cidr of nodeSubnets) {
    const problem = cidrProblem(cidr)
    if (problem) errors.push(`node subnet ${problem}`)
  }
  const vpcCidr = values.VpcCidr || args['vpc-cidr']
  if (vpcCidr) {
    const problem = cidrProblem(vpcCidr)
    if (problem) {
      errors.push(`VPC CIDR ${problem}`)
    } else {
      for (const [what, cidrs] of [['ALB subnet', albSubnets], ['node subnet', nodeSubnets]]) {
        for (const cidr of cidrs.filter((c) => !cidrProblem(c) && !strictlyInside(c, vpcCidr))) {
          errors.push(`${what} "${cidr}" is not a subnet of the VPC ${vpcCidr}`)
        }
      }
    }
  }

  const otlp = args['otlp-endpoint'] === 'none' ? null : otlpPeer(args['otlp-endpoint'])
  if (otlp && otlp.error) errors.push(otlp.error)

  const env = {
    DYNAMODB_REGION: values.Region,
    AWS_REGION: values.Region,
    DYNAMODB_TABLE_PRODUCTS: values.ProductTableName,
    DYNAMODB_TABLE_IDEMPOTENCY: values.IdempotencyTableName,
    ...(values.ProductNameIndexName ? { DYNAMODB_TABLE_INDEX: values.ProductNameIndexName } : {}),
    AUTH_MODE: 'jwt',
    AUTH_ISSUER: values.AuthIssuer,
    ...(values.AuthJwksUrl ? { AUTH_JWKS: values.AuthJwksUrl } : {}),
    AUTH_AUDIENCE: values.AuthAudience,
    AUTH_CLAIMS_AUDIENCE: values.AuthAudienceClaim || 'aud',
    AUTH_SCOPES_READ: values.AuthScopesRead,
    AUTH_SCOPES_WRITE: values.AuthScopesWrite,
    // The ARN, not the key: the service reads the key from Secrets Manager at start.
    API_CURSOR_ARN: values.CursorKeyArn,
    ...(otlp ? { OTEL_EXPORTER_OTLP_ENDPOINT: args['otlp-endpoint'] } : {}),
  }
  for (const [key, value] of Object.entries(env)) {
    check(SAFE_VALUE.test(value) && !value.includes('\n'), `${key} "${value}" holds characters that do not belong in the ConfigMap`)
  }
  if (errors.length > 0) fail(errors.join('\n  '))

  const certificate = values.CertificateArn
  const header = `# Generated by 'make k8s-config' from ${path.basename(args.outputs)} (stack ${stack}); do not edit, run it again.\n`
  const files = {
    'config.env': header + Object.entries(env).map(([key, value]) => `${key}=${value}\n`).join(''),
    'serviceaccount-patch.yaml': header + serviceAccountPatch(values),
    'networkpolicy-patch.yaml': header + networkPolicyPatch({ albSubnets, nodeSubnets, otlp, podIdentity: values.ServiceIdentity === 'pod-identity' }),
    'ingress-patch.yaml': header + ingressPatch({ values, certificate, redirect: args['redirect-http'] }),
  }

  fs.mkdirSync(args.out, { recursive: true })
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(args.out, name), content)
  }
  console.log(`k8s-config: wrote ${Object.keys(files).join(', ')} to ${args.out} (stack ${stack}, region ${values.Region})`)
  if (certificate) {
    console.log(`k8s-config: the ALB listens on HTTPS 443 only${args['redirect-http'] ? ' (80 redirects to 443)' : ''}` +
      (values.ApiDomainName ? ` for ${values.ApiDomainName}; point its DNS at the ALB (external-dns reads the annotation)` : ''))
  } else {
    console.log('k8s-config: the stack has no certificate, so the ALB is internal (reachable only inside the VPC, plain HTTP).\n' +
      "  For a public HTTPS API: make infra-deploy STAGE=... CDK_CONTEXT='-c domainName=api.example.com -c hostedZoneId=Z...' " +
      "(or -c certificateArn=arn:aws:acm:...), then make k8s-config again.")
  }
  if (values.ServiceIdentity === 'pod-identity' && !values.EksClusterName) {
    console.log('k8s-config: warning: the stack created no Pod Identity association (no -c eksClusterName): the pods get no AWS ' +
      `credentials until you run: aws eks create-pod-identity-association --cluster-name CLUSTER --namespace product-service --service-account product-service --role-arn ${values.ServiceRoleArn}`)
  }
}

function serviceAccountPatch (values) {
  const base = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: product-service\n'
  if (values.ServiceIdentity === 'irsa') {
    return '# IRSA: EKS injects a web identity token for this role into the pods.\n' +
      base + `  annotations:\n    eks.amazonaws.com/role-arn: ${values.ServiceRoleArn}\n`
  }
  return `# EKS Pod Identity: the association on cluster ${values.EksClusterName || '(none yet)'} maps this service account to\n` +
    `# ${values.ServiceRoleArn}; the service account itself carries nothing.\n` + base
}

function networkPolicyPatch ({ albSubnets, nodeSubnets, otlp, podIdentity }) {
  const ipBlocks = (cidrs, indent, except) => cidrs.map((cidr) =>
    `${indent}- ipBlock:\n${indent}    cidr: ${cidr}\n` + (except ? `${indent}    except:\n${indent}      - ${except}\n` : '')).join('')
  let yaml = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: product-service\nspec:\n' +
    '  policyTypes: [Ingress, Egress]\n' +
    '  ingress:\n' +
    '    # The ALB (IP targets) connects from its own subnets to the API port (its health checks go\n' +
    '    # to the admin port, below). Not the whole VPC: with the VPC CNI every pod has a VPC address.\n' +
    '    - from:\n' + ipBlocks(albSubnets, '        ') +
    `      ports:\n        - port: ${API_PORT}\n          protocol: TCP\n` +
    '    # Health and metrics: Prometheus in the monitoring namespace, the ALB\'s health checks (the\n' +
    (nodeSubnets.length > 0
      ? '    # readiness endpoint) from its subnets, and the kubelet\'s probes from the nodes\' subnets.\n'
      : '    # readiness endpoint) from its subnets; the policy engine admits the kubelet\'s probes itself.\n') +
    '    - from:\n' +
    '        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n' +
    ipBlocks([...new Set([...albSubnets, ...nodeSubnets])], '        ') +
    `      ports:\n        - port: ${ADMIN_PORT}\n          protocol: TCP\n` +
    '  egress:\n' +
    '    # DNS through CoreDNS.\n' +
    '    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n' +
    '          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n' +
    '      ports:\n        - port: 53\n          protocol: UDP\n        - port: 53\n          protocol: TCP\n' +
    '    # HTTPS to DynamoDB, STS and Secrets Manager (or their VPC endpoints); never the instance metadata service.\n' +
    '    - to:\n' + ipBlocks(['0.0.0.0/0'], '        ', INSTANCE_METADATA) +
    '      ports:\n        - port: 443\n          protocol: TCP\n'
  if (podIdentity) {
    yaml += '    # The EKS Pod Identity agent on the node hands out the role\'s credentials.\n' +
      '    - to:\n' + ipBlocks([POD_IDENTITY_AGENT], '        ') + '      ports:\n        - port: 80\n          protocol: TCP\n'
  }
  if (otlp && otlp.namespace) {
    yaml += `    # The OpenTelemetry collector (namespace ${otlp.namespace}).\n` +
      `    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ${otlp.namespace}\n` +
      `      ports:\n        - port: ${otlp.port}\n          protocol: TCP\n`
  }
  return yaml
}

function ingressPatch ({ values, certificate, redirect }) {
  const a = {}
  if (certificate) {
    a['alb.ingress.kubernetes.io/scheme'] = 'internet-facing'
    a['alb.ingress.kubernetes.io/listen-ports'] = redirect ? '[{"HTTP": 80}, {"HTTPS": 443}]' : '[{"HTTPS": 443}]'
    a['alb.ingress.kubernetes.io/certificate-arn'] = certificate
    a['alb.ingress.kubernetes.io/ssl-policy'] = SSL_POLICY
    if (redirect) a['alb.ingress.kubernetes.io/ssl-redirect'] = '443'
    if (values.ApiDomainName) a['external-dns.alpha.kubernetes.io/hostname'] = values.ApiDomainName
  } else {
    // No certificate, no public listener: plain HTTP stays inside the VPC.
    a['alb.ingress.kubernetes.io/scheme'] = 'internal'
    a['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP": 80}]'
  }
  a['alb.ingress.kubernetes.io/wafv2-acl-arn'] = values.WebAclArn
  if (values.AccessLogBucketName) {
    a['alb.ingress.kubernetes.io/load-balancer-attributes'] =
      `access_logs.s3.enabled=true,access_logs.s3.bucket=${values.AccessLogBucketName},access_logs.s3.prefix=product-service`
  }
  let yaml = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: product-service\n  annotations:\n' +
    Object.entries(a).map(([key, value]) => `    ${key}: '${value}'\n`).join('')
  if (certificate && values.ApiDomainName) {
    // The rules list has no merge key: this replaces the base's rule with the same rule plus the host.
    yaml += 'spec:\n  rules:\n' +
      `    - host: ${values.ApiDomainName}\n` +
      '      http:\n        paths:\n          - path: /products\n            pathType: Prefix\n' +
      '            backend:\n              service:\n                name: product-service\n                port:\n                  name: http\n'
  }
  return yaml
}

main()
