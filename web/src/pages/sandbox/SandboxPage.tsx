export default function SandboxPage() {
  return <h1>Sandbox phone</h1>;
}
