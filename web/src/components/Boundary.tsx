// Turns a render error below it into a visible message instead of a blank page.
import { Component, type ReactNode } from 'react';

export class Boundary extends Component<{ what: string; children: ReactNode }, { error: Error | undefined }> {
  state = { error: undefined as Error | undefined };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error) {
      return (
        <div className="error" role="alert">
          {this.props.what} failed: {this.state.error.message}
        </div>
      );
    }
    return this.props.children;
  }
}
